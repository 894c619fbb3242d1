using System.Net;
using Lepton.Cli.Commands;
using Lepton.Client;
using Lepton.Client.Specs;

namespace Lepton.Cli.Connection;

/// <summary>Which server and token a command talks to, and where that choice came from.</summary>
/// <remarks>
/// Resolution order: <c>LEPTON_SERVER</c> / <c>LEPTON_TOKEN</c> environment variables, then the config that
/// <c>lepton login</c> saved, then — so that <c>lepton up</c> in one terminal and <c>lepton job submit</c> in another
/// work with no login — <c>http://127.0.0.1:8080</c> with a token from <c>./.lepton/</c>: job commands use the team token
/// <c>tenant-token</c> (jobs belong to a tenant; the admin token may not submit), all others the <c>admin-token</c>.
/// </remarks>
internal sealed record CliConnection(Uri Server, string Token, string Source)
{
    /// <summary>The address <c>lepton up</c> listens on by default.</summary>
    public const string LocalServer = "http://127.0.0.1:8080";

    /// <summary>Resolves the connection for this process.</summary>
    /// <exception cref="CliError">No server or token is configured, or the server address is not a URL.</exception>
    /// <param name="asTeam">True for job commands: the local fallback then prefers <c>lepton up</c>'s team token.</param>
    public static CliConnection Resolve(bool asTeam = false)
    {
        var configPath = CliConfig.DefaultPath();
        var config = CliConfig.Load(configPath);
        var envServer = Environment.GetEnvironmentVariable("LEPTON_SERVER");
        var envToken = Environment.GetEnvironmentVariable("LEPTON_TOKEN");

        string server, serverSource;
        if (!string.IsNullOrWhiteSpace(envServer))
        {
            (server, serverSource) = (envServer, "LEPTON_SERVER");
        }
        else if (config is { Server.Length: > 0 })
        {
            (server, serverSource) = (config.Server, configPath);
        }
        else
        {
            (server, serverSource) = (LocalServer, "the default local server");
        }

        string? token;
        if (!string.IsNullOrWhiteSpace(envToken))
        {
            token = envToken.Trim();
        }
        else if (config is { Token.Length: > 0 })
        {
            token = config.Token;
        }
        else
        {
            var team = Path.Combine(LocalTokenFiles.DefaultDataDir, LocalTokenFiles.Tenant);
            var local = asTeam && File.Exists(team) ? team : Path.Combine(LocalTokenFiles.DefaultDataDir, LocalTokenFiles.Admin);
            token = File.Exists(local) ? File.ReadAllText(local).Trim() : null;
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new CliError("not logged in: run 'lepton login --server URL --token TOKEN' (or set LEPTON_SERVER and LEPTON_TOKEN)");
        }

        return new CliConnection(ParseServer(server, serverSource), token, serverSource);
    }

    /// <summary>Parses a server address given by the user, naming where it came from when it is wrong.</summary>
    public static Uri ParseServer(string text, string source)
    {
        var trimmed = text.Trim();
        if (!trimmed.Contains("://", StringComparison.Ordinal))
        {
            trimmed = "http://" + trimmed;
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliError($"{source}: '{text}' is not a server address such as http://127.0.0.1:8080", 2);
        }

        return uri;
    }

    /// <summary>Runs <paramref name="body"/> with a client for the resolved connection, turning every expected failure into a one-line <see cref="CliError"/>.</summary>
    /// <param name="body">What to do with the client.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="asTeam">True for job commands (see <see cref="Resolve"/>).</param>
    public static async Task<int> RunAsync(Func<LeptonClient, Task<int>> body, CancellationToken cancellationToken, bool asTeam = false)
    {
        var connection = Resolve(asTeam);
        using var client = new LeptonClient(connection.Server, connection.Token);
        return await connection.GuardAsync(() => body(client), cancellationToken);
    }

    /// <summary>Maps client, network and spec errors to <see cref="CliError"/>.</summary>
    public async Task<int> GuardAsync(Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (LeptonApiException e) when (e.Status is HttpStatusCode.Unauthorized)
        {
            throw new CliError($"the server at {Server} refused the token ({e.Message}); run 'lepton login' with a valid token");
        }
        catch (LeptonApiException e) when (e.Status is HttpStatusCode.Forbidden)
        {
            throw new CliError($"not allowed with this token: {e.Message}");
        }
        catch (LeptonApiException e)
        {
            throw new CliError(e.Message);
        }
        catch (JobSpecException e)
        {
            throw new CliError(e.Message);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException?.Message ?? e.Message;
            throw new CliError($"cannot reach the Lepton server at {Server} ({why}); is it running? start one with 'lepton up'");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliError($"the server at {Server} did not answer in time");
        }
    }
}
