using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lepton.Cli.Connection;

/// <summary>What <c>lepton login</c> saves: the server address and the token, in the user's config directory (mode 0600).</summary>
/// <remarks>
/// The file is <c>$LEPTON_CONFIG</c> when set, else <c>$XDG_CONFIG_HOME/lepton/config.json</c>, else
/// <c>~/.config/lepton/config.json</c>. It is written to a temporary file created with mode 0600 and then renamed, so
/// the token is never readable by others, not even for a moment, and a crash never leaves half a file.
/// </remarks>
internal sealed record CliConfig
{
    /// <summary>Server base URL.</summary>
    public string Server { get; init; } = "";

    /// <summary>Bearer token.</summary>
    public string Token { get; init; } = "";

    /// <summary>The config file path for this user and environment.</summary>
    public static string DefaultPath()
    {
        var explicitPath = Environment.GetEnvironmentVariable("LEPTON_CONFIG");
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Path.GetFullPath(explicitPath);
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "lepton", "config.json");
    }

    /// <summary>Reads the config at <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="Commands.CliError">The file exists but is not a Lepton config.</exception>
    public static CliConfig? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), CliConfigJsonContext.Default.CliConfig);
        }
        catch (JsonException e)
        {
            throw new Commands.CliError($"{path}: not a Lepton config ({e.Message}); run 'lepton login' again");
        }
    }

    /// <summary>Writes this config to <paramref name="path"/> with mode 0600.</summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".config.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, CliConfigJsonContext.Default.CliConfig);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode is filtered by the umask; set the mode explicitly as well.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>JSON metadata for <see cref="CliConfig"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CliConfig))]
internal sealed partial class CliConfigJsonContext : JsonSerializerContext;
