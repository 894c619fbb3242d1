using System.CommandLine;
using System.Globalization;
using Lepton.Agent;
using Lepton.Agent.Hardware;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton agent</c>: runs the node agent for this machine against a server.</summary>
internal sealed class AgentCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var server = new Option<string>("--server") { Description = "Server base URL, e.g. http://127.0.0.1:8080.", Required = true };
        var token = new Option<string>("--token") { Description = "Agent (or admin) token; defaults to $LEPTON_TOKEN." };
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

        var command = new Command("agent", "Run the node agent: detect resources, register, heartbeat and run assigned tasks.")
        {
            server, token, name, labels, price, idleWatts, peakWatts, declare, heartbeat, workDir, address, stopGrace, noGpu,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var nodeName = parse.GetValue(name) ?? Environment.MachineName;
            var options = new AgentOptions
            {
                Server = ParseServer(parse.GetValue(server)!),
                Token = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("LEPTON_TOKEN")
                    ?? throw new CliError("--token is required (or set LEPTON_TOKEN)", 2),
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
            };
            using var agent = new NodeAgent(options);
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
