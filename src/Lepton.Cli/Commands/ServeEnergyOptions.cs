using System.CommandLine;
using System.Globalization;
using Lepton.Server;
using Lepton.Server.Energy;
using Lepton.Server.Power;

namespace Lepton.Cli.Commands;

/// <summary>The energy options of <c>lepton serve</c>: GPU-model prices for usage accounting, and powering idle nodes down.</summary>
internal sealed class ServeEnergyOptions
{
    private readonly Option<string[]> _gpuPrice = new("--gpu-price")
    {
        Description = "Price per GPU-hour of a GPU model for usage accounting, as MODEL=PRICE (repeat per model); other work is charged at its node's price per hour.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _powerOff = new("--power-off-command")
    {
        Description = "Switch nodes idle longer than --power-off-after off by running this command with the node name as its last argument (no shell; e.g. a script that calls IPMI or a cloud API). Needs --power-on-command. Off by default.",
    };

    private readonly Option<string?> _powerOn = new("--power-on-command")
    {
        Description = "Wake a switched-off node when queued work needs it, by running this command with the node name as its last argument.",
    };

    private readonly Option<double> _powerOffAfter = new("--power-off-after")
    {
        Description = "Seconds a node must have nothing bound before it is switched off.",
        DefaultValueFactory = _ => 600,
    };

    private readonly Option<double> _wakeTimeout = new("--wake-timeout")
    {
        Description = "Seconds a woken node has to heartbeat again before the wake counts as failed.",
        DefaultValueFactory = _ => 600,
    };

    private readonly Option<int> _keepOn = new("--power-keep-on")
    {
        Description = "Nodes kept on however idle (spare room so some new work starts without waiting for a wake-up).",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public ServeEnergyOptions(Command command)
    {
        command.Options.Add(_gpuPrice);
        command.Options.Add(_powerOff);
        command.Options.Add(_powerOn);
        command.Options.Add(_powerOffAfter);
        command.Options.Add(_wakeTimeout);
        command.Options.Add(_keepOn);
    }

    /// <summary><paramref name="options"/> with the energy options applied.</summary>
    /// <exception cref="CliError">An option is malformed or one power command is given without the other (exit code 2).</exception>
    public LeptonServerOptions Apply(ParseResult parse, LeptonServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var prices = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var text in parse.GetValue(_gpuPrice) ?? [])
        {
            try
            {
                EnergyPrices.ParseInto(text, prices);
            }
            catch (ArgumentException e)
            {
                throw new CliError(e.Message, 2);
            }
        }

        options = options with { GpuPricePerHour = prices };
        var off = parse.GetValue(_powerOff);
        var on = parse.GetValue(_powerOn);
        if (off is null && on is null)
        {
            return options;
        }

        if (string.IsNullOrWhiteSpace(off) || string.IsNullOrWhiteSpace(on))
        {
            throw new CliError("--power-off-command and --power-on-command go together: a node switched off must be woken again", 2);
        }

        return options with
        {
            Power = new PowerControllerOptions
            {
                PowerOffCommand = off,
                PowerOnCommand = on,
                PowerOffAfter = Seconds(parse.GetValue(_powerOffAfter), "--power-off-after"),
                WakeTimeout = Seconds(parse.GetValue(_wakeTimeout), "--wake-timeout"),
                MinNodesOn = parse.GetValue(_keepOn) is var keep and >= 0 and <= 1_000_000 ? keep : throw new CliError("--power-keep-on must be a number of nodes from 0 to 1000000", 2),
            },
        };
    }

    private static TimeSpan Seconds(double value, string option) =>
        double.IsFinite(value) && value is >= 1 and <= 30 * 86400
            ? TimeSpan.FromSeconds(value)
            : throw new CliError($"{option} must be a number of seconds from 1 to {(30 * 86400).ToString(CultureInfo.InvariantCulture)}", 2);
}
