namespace Lepton.Cli.Connection;

/// <summary>Names of the token files <c>lepton up</c> keeps in its data directory (each mode 0600).</summary>
internal static class LocalTokenFiles
{
    /// <summary>The admin token the server writes on first start.</summary>
    public const string Admin = Lepton.Server.LeptonServer.AdminTokenFile;

    /// <summary>The token <c>lepton up</c>'s agents register with.</summary>
    public const string Agent = "agent-token";

    /// <summary>A token of tenant <c>default</c>, which <c>lepton up</c> creates so that jobs can be submitted at once.</summary>
    public const string Tenant = "tenant-token";

    /// <summary>The data directory <c>lepton up</c> uses when none is given.</summary>
    public const string DefaultDataDir = ".lepton";
}
