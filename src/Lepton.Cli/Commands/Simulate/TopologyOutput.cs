using System.Globalization;
using Lepton.Core.Topology;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Topology;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>The network model a simulation uses and its topology metrics table.</summary>
internal static class TopologyOutput
{
    /// <summary>The model from <paramref name="path"/>; else the built-in one when any job asks for topology, data or
    /// latency; else null (the network is free, as before).</summary>
    public static NetworkTopology? Network(string? path, IReadOnlyList<SimulatedJob> jobs)
    {
        if (path is not null)
        {
            try
            {
                return NetworkFileReader.Read(path);
            }
            catch (TraceFormatException e)
            {
                throw new CliError(e.Message, 2);
            }
        }

        return jobs.Any(j => j.Replicas.Count > 0 && (j.Replicas[0].Topology is not null || j.Replicas[0].Data is not null || j.Replicas[0].Latency is not null))
            ? NetworkTopology.Default
            : null;
    }

    /// <summary>Prints one row per metric, one column per run.</summary>
    public static void Print(IReadOnlyList<(string Policy, TopologySummary Summary)> runs, int jobs) => AnsiConsole.Write(Render(runs, jobs));

    /// <summary>One row per metric, one column per run (policy × topology-aware or blind).</summary>
    private static Table Render(IReadOnlyList<(string Policy, TopologySummary Summary)> runs, int jobs)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("metric");
        foreach (var (policy, s) in runs)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"{policy} {s.Label}")).RightAligned());
        }

        void Row(string metric, Func<TopologySummary, string> value) =>
            table.AddRow([metric, .. runs.Select(r => Markup.Escape(value(r.Summary)))]);

        Row("jobs finished", s => Invariant($"{s.Finished} of {jobs}"));
        Row("average JCT (h)", s => H(s.AverageJct));
        Row("average JCT of gangs (h)", s => H(s.AverageJctGang));
        Row("average JCT of data jobs (h)", s => H(s.AverageJctData));
        Row("average queueing (h)", s => H(s.AverageQueueing));
        Row("gangs spanning racks", s => Invariant($"{s.GangsCrossRack} of {s.Gangs}"));
        Row("cross-rack gang traffic (TiB)", s => Invariant($"{s.CrossRackTrafficTiB:0.#}"));
        Row("cross-zone gang traffic (TiB)", s => Invariant($"{s.CrossZoneTrafficTiB:0.#}"));
        Row("data moved out of its zone (TiB)", s => Invariant($"{s.DataMovedTiB:0.#}"));
        Row("average data transfer", s => TransferEstimate.FormatSeconds(s.AverageTransfer.TotalSeconds));
        Row("latency-budget misses", s => Invariant($"{s.LatencyMisses} of {s.LatencyJobs}"));
        return table;
    }

    private static string H(TimeSpan t) => Invariant($"{t.TotalHours:0.00}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
