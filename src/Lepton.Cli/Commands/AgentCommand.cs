using System.CommandLine;
using System.Globalization;
using Lepton.Agent;
using Lepton.Agent.Execution;
using Lepton.Agent.Hardware;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton agent</c>: runs the node agent for this machine against a server.</summary>
internal sealed class AgentCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var server = new Option<string>("--server")
        {
            Description = "Server base URL, e.g. http://127.0.0.1:8080; several, comma-separated, for a cluster of servers (tried in turn).",
            Required = true,
        };
        // Kept only to answer with a clear error: a token on the command line can be read by every process on the machine.
        var token = new Option<string>("--token") { Hidden = true };
        var tokenFile = new Option<string>("--token-file") { Description = $"File holding the agent token (mode 0600); default: the {TokenVariable} environment variable." };
        var name = new Option<string>("--name") { Description = "Node name (default: the host name)." };
        var labels = new Option<string>("--labels") { Description = "Labels as k=v,k2=v2 (e.g. zone=eu-1,tier=edge)." };
        var price = new Option<double>("--price-per-hour") { Description = "Price per hour of this machine." };
        var idleWatts = new Option<double>("--idle-watts") { Description = "Idle power draw in watts." };
        var peakWatts = new Option<double>("--peak-watts") { Description = "Peak power draw in watts." };
        var declare = new Option<string>("--declare") { Description = "Resources overriding detection: \"cpu=8,memory=32Gi,gpus=2xA100,fpga=1,network=10000\"." };
        var heartbeat = new Option<double?>("--heartbeat-seconds") { Description = "Heartbeat period (default: what the server asks for)." };
        var workDir = new Option<string>("--work-dir") { Description = "Where task directories live (default ./.lepton-agent/NAME)." };
        var address = new Option<string>("--address") { Description = "Address gang peers use to reach this node (default: the node name)." };
        var stopGrace = new Option<double>("--stop-grace-seconds") { Description = "Time between SIGTERM and SIGKILL when a task is stopped.", DefaultValueFactory = _ => 10 };
        var noGpu = new Option<bool>("--no-gpu-detection") { Description = "Do not run nvidia-smi (GPUs come from --declare only)." };
        var isolation = new Option<string>("--isolation") { Description = "How tasks are isolated: 'namespaces' (own mount/PID/IPC/UTS namespaces, agent files hidden) or 'none' (run as the agent, unisolated).", DefaultValueFactory = _ => "namespaces" };
        isolation.AcceptOnlyFromAmong("namespaces", "none");
        var runAs = new Option<string>("--run-as") { Description = $"User tasks run as when the agent runs as root (default: {TaskUser.DefaultName})." };
        var hide = new Option<string[]>("--hide") { Description = "A file or folder tasks must not see (repeatable); the work dir and the token file are always hidden.", AllowMultipleArgumentsPerToken = false };
        var retention = new Option<double>("--task-dir-retention-hours") { Description = "How long a finished task's working directory is kept before it is deleted.", DefaultValueFactory = _ => 1 };

        var command = new Command("agent", "Run the node agent: detect resources, register, heartbeat and run assigned tasks.")
        {
            server, token, tokenFile, name, labels, price, idleWatts, peakWatts, declare, heartbeat, workDir, address, stopGrace, noGpu,
            isolation, runAs, hide, retention,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(token) is not null)
            {
                throw new CliError($"--token is not accepted: a token on the command line is visible to every process on the machine; use --token-file FILE (mode 0600) or set {TokenVariable}", 2);
            }

            var nodeName = parse.GetValue(name) ?? Environment.MachineName;
            var tokenPath = parse.GetValue(tokenFile) is { } file ? Path.GetFullPath(file) : null;
            var isolated = parse.GetValue(isolation) != "none";
            var retentionHours = NonNegative("--task-dir-retention-hours", parse.GetValue(retention));
            var servers = parse.GetValue(server)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseServer).ToList();
            if (servers.Count == 0)
            {
                throw new CliError("--server: no server given", 2);
            }

            var options = new AgentOptions
            {
                Server = servers[0],
                OtherServers = servers[1..],
                Token = ReadToken(tokenPath),
                Name = nodeName,
                Labels = ParseLabels(parse.GetValue(labels)),
                PricePerHour = NonNegative("--price-per-hour", parse.GetValue(price)),
                IdleWatts = NonNegative("--idle-watts", parse.GetValue(idleWatts)),
                PeakWatts = NonNegative("--peak-watts", parse.GetValue(peakWatts)),
                Declared = ParseDeclare(parse.GetValue(declare)),
                DetectGpus = !parse.GetValue(noGpu),
                HeartbeatInterval = parse.GetValue(heartbeat) is { } seconds
                    ? TimeSpan.FromSeconds(seconds > 0 && seconds <= 3600 ? seconds : throw new CliError("--heartbeat-seconds must be between 0 and 3600", 2))
                    : null,
                WorkDirectory = Path.GetFullPath(parse.GetValue(workDir) ?? Path.Combine(".lepton-agent", nodeName)),
                Address = parse.GetValue(address),
                StopGrace = TimeSpan.FromSeconds(NonNegative("--stop-grace-seconds", parse.GetValue(stopGrace))),
                Isolation = isolated ? IsolationMode.Namespaces : IsolationMode.None,
                RunAs = isolated ? ParseRunAs(parse.GetValue(runAs)) : null,
                HiddenPaths = [.. (parse.GetValue(hide) ?? []).Select(Path.GetFullPath), .. tokenPath is null ? [] : new[] { tokenPath }],
                TaskDirectoryRetention = retentionHours <= 24 * 365 ? TimeSpan.FromHours(retentionHours) : throw new CliError("--task-dir-retention-hours must be at most a year", 2),
            };
            NodeAgent agent;
            try
            {
                agent = new NodeAgent(options);
            }
            catch (ArgumentException e)
            {
                throw new CliError(e.Message, 2);
            }

            using var _ = agent;
            using var termination = new TerminationSignal(cancellationToken);
            try
            {
                await agent.RunAsync(termination.Token);
            }
            catch (InvalidOperationException e)
            {
                throw new CliError(e.Message);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The environment variable the agent reads its token from when no <c>--token-file</c> is given.</summary>
    internal const string TokenVariable = "LEPTON_AGENT_TOKEN";

    /// <summary>Reads the agent token from <paramref name="path"/> (which only its owner may read) or from <see cref="TokenVariable"/>.</summary>
    internal static string ReadToken(string? path)
    {
        if (path is null)
        {
            var value = Environment.GetEnvironmentVariable(TokenVariable);
            return string.IsNullOrWhiteSpace(value)
                ? throw new CliError($"no agent token: give --token-file FILE (mode 0600) or set {TokenVariable}", 2)
                : value.Trim();
        }

        string text;
        try
        {
            if (!OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            {
                throw new CliError($"--token-file: {path} can be read by other users; make it private first (chmod 600 {path})", 2);
            }

            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"--token-file: cannot read {path}: {e.Message}", 2);
        }

        return text.Length > 0 ? text : throw new CliError($"--token-file: {path} is empty", 2);
    }

    private static TaskUser? ParseRunAs(string? name)
    {
        if (name is not null && !Environment.IsPrivilegedProcess)
        {
            throw new CliError("--run-as needs the agent to run as root; an unprivileged agent runs tasks as its own user inside a user namespace", 2);
        }

        try
        {
            return name is null ? null : TaskUser.Resolve(name);
        }
        catch (ArgumentException e)
        {
            throw new CliError(e.Message, 2);
        }
    }

    /// <summary>Parses <c>--declare</c>, turning a format error into a usage error.</summary>
    internal static DeclaredResources ParseDeclare(string? text)
    {
        try
        {
            return DeclaredResources.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliError(e.Message, 2);
        }
    }

    /// <summary>Parses <c>--labels k=v,k2=v2</c>.</summary>
    internal static Dictionary<string, string> ParseLabels(string? text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliError($"--labels: '{item}' is not key=value", 2);
            }

            if (!labels.TryAdd(item[..equals].Trim(), item[(equals + 1)..].Trim()))
            {
                throw new CliError($"--labels: '{item[..equals].Trim()}' is given twice", 2);
            }
        }

        return labels;
    }

    private static Uri ParseServer(string text)
    {
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new CliError($"--server: '{text}' is not an http(s) URL", 2);
        }

        return uri;
    }

    private static double NonNegative(string option, double value) =>
        value >= 0 && double.IsFinite(value)
            ? value
            : throw new CliError($"{option} must be a non-negative number (got {value.ToString(CultureInfo.InvariantCulture)})", 2);
}
