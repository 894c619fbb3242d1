namespace Lepton.Cli.Connection;

/// <summary>Names of the files <c>lepton up</c> keeps in its data directory (tokens mode 0600).</summary>
internal static class LocalTokenFiles
{
    /// <summary>The admin token the server writes on first start.</summary>
    public const string Admin = Lepton.Server.LeptonServer.AdminTokenFile;

    /// <summary>The token <c>lepton up</c>'s agents register with.</summary>
    public const string Agent = "agent-token";

    /// <summary>A token of tenant <c>default</c>, which <c>lepton up</c> creates so that jobs can be submitted at once.</summary>
    public const string Tenant = "tenant-token";

    /// <summary>The server URL of the last <c>lepton up</c> in this folder (its <c>--urls</c>), so that commands find it on any port.</summary>
    public const string Url = "url";

    /// <summary>The data directory <c>lepton up</c> uses when none is given.</summary>
    public const string DefaultDataDir = ".lepton";

    /// <summary>True when the current folder holds a cluster that <c>lepton up</c> started (its admin token is there).</summary>
    public static bool LocalClusterExists() => File.Exists(Path.Combine(DefaultDataDir, Admin));

    /// <summary>The URL <c>lepton up</c> recorded here, or null when there is none (a cluster of an older version).</summary>
    public static string? RecordedUrl()
    {
        var path = Path.Combine(DefaultDataDir, Url);
        return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } url ? url : null;
    }
}
