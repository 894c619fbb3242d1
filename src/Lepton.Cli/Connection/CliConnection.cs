using System.Net;
using Lepton.Cli.Commands;
using Lepton.Client;
using Lepton.Client.Specs;

namespace Lepton.Cli.Connection;

/// <summary>Which server and token a command talks to, and where each came from (shown when a command fails and by
/// <c>lepton whoami</c>).</summary>
/// <remarks>
/// Precedence, most specific first:
/// <list type="number">
/// <item><c>LEPTON_SERVER</c> / <c>LEPTON_TOKEN</c> (each on its own; the other half comes from below);</item>
/// <item>the cluster that <c>lepton up</c> started in this folder (<c>./.lepton/</c>): its recorded URL and its tokens —
/// job commands use the team token <c>tenant-token</c> (jobs belong to a tenant; the admin token may not submit), all
/// others the <c>admin-token</c>. Like git finding the repository of the folder you are in, the folder you run in wins
/// over a login made elsewhere, so a <c>lepton login</c> never silently hides the local cluster;</item>
/// <item>the config that <c>lepton login</c> saved;</item>
/// <item>nothing: <c>http://127.0.0.1:8080</c> and no token, which is an error naming these choices.</item>
/// </list>
/// </remarks>
internal sealed record CliConnection(Uri Server, string Token, string Source, string TokenSource = "--token")
{
    /// <summary>The address <c>lepton up</c> listens on by default.</summary>
    public const string LocalServer = "http://127.0.0.1:8080";

    /// <summary>How the local cluster is named in messages.</summary>
    public const string LocalSource = "./.lepton (the cluster 'lepton up' started in this folder)";

    /// <summary>Further servers of the same cluster (<c>LEPTON_SERVER=http://a:8080,http://b:8080</c>), tried in turn when
    /// <see cref="Server"/> does not answer.</summary>
    public IReadOnlyList<Uri> OtherServers { get; init; } = [];

    /// <summary>One line saying which server and token this is and where they came from.</summary>
    public string Describe() => Source == TokenSource
        ? $"server {Server.AbsoluteUri.TrimEnd('/')} and token from {Source}"
        : $"server {Server.AbsoluteUri.TrimEnd('/')} (from {Source}), token from {TokenSource}";

    /// <summary>Resolves the connection for this process.</summary>
    /// <exception cref="CliError">No server or token is configured, or the server address is not a URL.</exception>
    /// <param name="asTeam">True for job commands: the local cluster's team token is used rather than its admin token.</param>
    public static CliConnection Resolve(bool asTeam = false)
    {
        var configPath = CliConfig.DefaultPath();
        var config = CliConfig.Load(configPath);
        var envServer = Environment.GetEnvironmentVariable("LEPTON_SERVER");
        var envToken = Environment.GetEnvironmentVariable("LEPTON_TOKEN");
        var local = LocalTokenFiles.LocalClusterExists();

        string server, serverSource;
        if (!string.IsNullOrWhiteSpace(envServer))
        {
            (server, serverSource) = (envServer, "LEPTON_SERVER");
        }
        else if (local)
        {
            (server, serverSource) = (LocalTokenFiles.RecordedUrl() ?? LocalServer, LocalSource);
        }
        else if (config is { Server.Length: > 0 })
        {
            (server, serverSource) = (config.Server, configPath);
        }
        else
        {
            (server, serverSource) = (LocalServer, "the default local server");
        }

        string? token = null;
        var tokenSource = "";
        if (!string.IsNullOrWhiteSpace(envToken))
        {
            (token, tokenSource) = (envToken.Trim(), "LEPTON_TOKEN");
        }
        else if (local && serverSource != configPath)
        {
            var team = Path.Combine(LocalTokenFiles.DefaultDataDir, LocalTokenFiles.Tenant);
            var file = asTeam && File.Exists(team) ? team : Path.Combine(LocalTokenFiles.DefaultDataDir, LocalTokenFiles.Admin);
            (token, tokenSource) = (File.ReadAllText(file).Trim(), "./" + file);
        }
        else if (config is { Token.Length: > 0 })
        {
            (token, tokenSource) = (config.Token, configPath);
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new CliError("not logged in: run 'lepton login --server URL --token TOKEN', set LEPTON_SERVER and LEPTON_TOKEN, "
                + "or run in the folder where 'lepton up' keeps its .lepton/");
        }

        // One source for both halves reads better in messages.
        if (serverSource == LocalSource && tokenSource.StartsWith("./" + LocalTokenFiles.DefaultDataDir, StringComparison.Ordinal))
        {
            tokenSource = $"{tokenSource} (local cluster)";
        }

        var servers = server.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => ParseServer(s, serverSource)).ToList();
        if (servers.Count == 0)
        {
            throw new CliError($"{serverSource}: '{server}' names no server", 2);
        }

        return new CliConnection(servers[0], token, serverSource, tokenSource) { OtherServers = servers[1..] };
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
    public static Task<int> RunAsync(Func<LeptonClient, Task<int>> body, CancellationToken cancellationToken, bool asTeam = false) =>
        RunAsync((client, _) => body(client), cancellationToken, asTeam);

    /// <summary>As <see cref="RunAsync(Func{LeptonClient, Task{int}}, CancellationToken, bool)"/>, also passing the connection (to say which one in output).</summary>
    public static async Task<int> RunAsync(Func<LeptonClient, CliConnection, Task<int>> body, CancellationToken cancellationToken, bool asTeam = false)
    {
        var connection = Resolve(asTeam);
        using var client = connection.OtherServers.Count == 0
            ? new LeptonClient(connection.Server, connection.Token)
            : new LeptonClient([connection.Server, .. connection.OtherServers], connection.Token);
        return await connection.GuardAsync(() => body(client, connection), cancellationToken, client);
    }

    /// <summary>Maps client, network and spec errors to <see cref="CliError"/>; server answers name the server and token used.</summary>
    /// <param name="body">The work.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="client">When given, a refused call asks the server who the token is, so the message can say (kind, tenant).</param>
    public async Task<int> GuardAsync(Func<Task<int>> body, CancellationToken cancellationToken, LeptonClient? client = null)
    {
        try
        {
            return await body();
        }
        catch (LeptonApiException e) when (e.Status is HttpStatusCode.Unauthorized)
        {
            throw new CliError($"the server refused the token ({e.Message}); used {Describe()}. Run 'lepton login' with a valid token, or 'lepton whoami' to check");
        }
        catch (LeptonApiException e) when (e.Status is HttpStatusCode.Forbidden)
        {
            var who = client is null ? null : await WhoAsync(client, cancellationToken);
            throw new CliError($"not allowed with this token: {e.Message}; used {Describe()}{(who is null ? "" : $", a {who}")}");
        }
        catch (LeptonApiException e) when (e.Status is HttpStatusCode.NotFound)
        {
            var who = client is null ? null : await WhoAsync(client, cancellationToken);
            throw new CliError($"{e.Message} (asked {Server.AbsoluteUri.TrimEnd('/')}{(who is null ? "" : $" as {who}")}; 'lepton whoami' shows the server and token in use)");
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
            throw new CliError($"cannot reach the Lepton server at {Server} ({why}; the address is from {Source}); is it running? start one with 'lepton up'");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliError($"the server at {Server} did not answer in time");
        }
    }

    /// <summary>The token's kind and tenant in words (<c>tenant token of 'default'</c>), or null when the server cannot say.</summary>
    private static async Task<string?> WhoAsync(LeptonClient client, CancellationToken cancellationToken)
    {
        try
        {
            var me = await client.WhoAmIAsync(cancellationToken);
            return me.Tenant is { } tenant ? $"{me.Kind} token of tenant '{tenant}'" : $"{me.Kind} token";
        }
        catch (Exception e) when (e is LeptonApiException or HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }
}
