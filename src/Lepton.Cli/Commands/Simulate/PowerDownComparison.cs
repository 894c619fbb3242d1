using System.Globalization;
using Lepton.Core.Power;
using Lepton.Simulation.Jobs;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>simulate jobs --power-down</c>: the options, and the run beside the same run with every node always on.</summary>
internal static class PowerDownComparison
{
    /// <summary>The power-down options and power model from the command line, or null without <c>--power-down</c>.</summary>
    public static (PowerDownOptions Options, PowerModel Model)? Options(double? idleSeconds, double wakeSeconds, double standbyWatts, int keepOn = 0)
    {
        if (idleSeconds is not { } idle)
        {
            return null;
        }

        if (!double.IsFinite(idle) || idle < 0 || idle > 1e9)
        {
            throw new CliError("--power-down: give the idle time in seconds (0 or more), e.g. 600", 2);
        }

        if (!double.IsFinite(wakeSeconds) || wakeSeconds < 0 || wakeSeconds > 1e9)
        {
            throw new CliError("--wake-delay: give seconds (0 or more), e.g. 180", 2);
        }

        if (!double.IsFinite(standbyWatts) || standbyWatts < 0 || standbyWatts > 1e6)
        {
            throw new CliError("--standby-watts: give watts (0 or more)", 2);
        }

        if (keepOn < 0)
        {
            throw new CliError("--power-keep-on: give a number of nodes (0 or more)", 2);
        }

        return (new PowerDownOptions { IdleThreshold = TimeSpan.FromSeconds(idle), WakeDelay = TimeSpan.FromSeconds(wakeSeconds), MinNodesOn = keepOn },
            PowerModel.Default with { DefaultStandbyWatts = standbyWatts });
    }

    /// <summary>Prints energy and queueing delay with power-down against always-on.</summary>
    public static void Print(JobSimulationResult down, JobSimulationResult alwaysOn, PowerDownOptions options)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Invariant($"power-down after {options.IdleThreshold.TotalSeconds:0} s idle, wake-up {options.WakeDelay.TotalSeconds:0} s"))
            .AddColumn("").AddColumn(new TableColumn("always on").RightAligned()).AddColumn(new TableColumn("power-down").RightAligned())
            .AddColumn(new TableColumn("change").RightAligned());
        var saved = alwaysOn.EnergyKWh > 0 ? (alwaysOn.EnergyKWh - down.EnergyKWh) / alwaysOn.EnergyKWh * 100 : 0;
        table.AddRow("energy (kWh)", Invariant($"{alwaysOn.EnergyKWh:F1}"), Invariant($"{down.EnergyKWh:F1}"), Invariant($"−{saved:F2} %"));
        table.AddRow("mean queueing delay (s)", Invariant($"{alwaysOn.AverageQueueingDelay.TotalSeconds:F1}"), Invariant($"{down.AverageQueueingDelay.TotalSeconds:F1}"),
            Invariant($"+{(down.AverageQueueingDelay - alwaysOn.AverageQueueingDelay).TotalSeconds:F1} s"));
        table.AddRow("max queueing delay (s)", Invariant($"{MaxDelay(alwaysOn):F0}"), Invariant($"{MaxDelay(down):F0}"), "");
        table.AddRow("jobs delayed by power-down", "", Invariant($"{Delayed(down, alwaysOn)}"), "");
        table.AddRow("makespan (h)", Invariant($"{alwaysOn.Makespan.TotalHours:F2}"), Invariant($"{down.Makespan.TotalHours:F2}"), "");
        table.AddRow("power-offs / wakes", "", Invariant($"{down.PowerOffs} / {down.Wakes}"), "");
        AnsiConsole.Write(table);
    }

    private static double MaxDelay(JobSimulationResult result) =>
        result.Jobs.Where(j => j.QueueingDelay is not null).Select(j => j.QueueingDelay!.Value.TotalSeconds).DefaultIfEmpty(0).Max();

    private static int Delayed(JobSimulationResult down, JobSimulationResult alwaysOn)
    {
        var count = 0;
        for (var i = 0; i < down.Jobs.Count; i++)
        {
            if (down.Jobs[i].QueueingDelay is { } d && alwaysOn.Jobs[i].QueueingDelay is { } a && d > a)
            {
                count++;
            }
        }

        return count;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
