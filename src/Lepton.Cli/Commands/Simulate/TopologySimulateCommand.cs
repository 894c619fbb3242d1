using System.CommandLine;
using System.Globalization;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Topology;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Topology;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate topology</c>: generates a seeded topology-rich cluster and workload (see
/// <see cref="SyntheticTopology"/>) and replays it with each policy twice, topology-aware and topology-blind, reporting
/// gang traffic across racks and zones, data moved, latency misses and completion times.</summary>
internal static class TopologySimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in all (edge and cloud).", DefaultValueFactory = _ => 1000 };
        var zones = new Option<int>("--zones") { Description = "Zones of the region.", DefaultValueFactory = _ => 3 };
        var racks = new Option<int>("--racks") { Description = "Cloud racks, dealt over the zones.", DefaultValueFactory = _ => 40 };
        var edge = new Option<double>("--edge") { Description = "Share of the nodes at the edge (0..1).", DefaultValueFactory = _ => 0.1 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs to generate.", DefaultValueFactory = _ => 2000 };
        var rate = new Option<double>("--rate") { Description = "Mean job arrivals per hour.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator and of the placement tie-breaks.", DefaultValueFactory = _ => 1 };
        var policy = new Option<string>("--policy") { Description = "Placement policies, comma-separated.", DefaultValueFactory = _ => "spread,bestfit" };
        var network = new Option<string>("--network") { Description = "Network model file (topology levels, uplinks; see README); default: the built-in model." };
        var comm = new Option<double>("--gang-comm") { Description = "Share of a gang's run time spent communicating (at rack speed).", DefaultValueFactory = _ => 0.3 };
        var command = new Command("topology", "Generate a seeded topology-rich cluster and workload and compare topology-aware with topology-blind placement.")
        {
            nodes, zones, racks, edge, jobs, rate, seed, policy, comm, network,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var generator = new SyntheticTopology
            {
                Nodes = parse.GetValue(nodes), Zones = parse.GetValue(zones), Racks = parse.GetValue(racks), EdgeFraction = parse.GetValue(edge),
                Jobs = parse.GetValue(jobs), ArrivalsPerHour = parse.GetValue(rate), Seed = parse.GetValue(seed),
            };
            if (generator.Nodes < 1 || generator.Zones < 1 || generator.Racks < 1 || generator.Jobs < 0 || generator.EdgeFraction is < 0 or > 1
                || !(generator.ArrivalsPerHour > 0) || parse.GetValue(comm) is < 0 or > 1)
            {
                throw new CliError("--nodes, --zones and --racks must be at least 1, --jobs 0 or more, --edge and --gang-comm within 0..1, --rate above 0", 2);
            }

            var model = TopologyOutput.Network(parse.GetValue(network), []) ?? NetworkTopology.Default;
            var cluster = generator.Cluster();
            var workload = generator.Workload();
            AnsiConsole.MarkupLine(Invariant($"generated {cluster.Count} nodes ({generator.Zones} zones, {generator.Racks} racks, {generator.EdgeFraction:P0} edge) and {workload.Count} jobs, seed {generator.Seed}"));
            var runs = new List<(string Policy, TopologySummary Summary)>();
            foreach (var name in parse.GetValue(policy)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!PolicyRegistry.TryGet(name, out var placement))
                {
                    throw new CliError($"--policy: unknown policy '{name}' (known: {string.Join(", ", PolicyRegistry.Names)})", 2);
                }

                foreach (var blind in new[] { false, true })
                {
                    var options = new JobSimulationOptions
                    {
                        Seed = generator.Seed, Network = model, TopologyBlind = blind, GangCommFraction = parse.GetValue(comm),
                        Discipline = QueueDiscipline.Default,
                    };
                    var result = JobSimulation.Run(cluster, workload, placement, options);
                    var s = TopologySummary.Of(blind ? "blind" : "topology-aware", result, workload);
                    runs.Add((placement.Name, s));
                }
            }

            TopologyOutput.Print(runs, workload.Count);
            return Task.FromResult(0);
        });
        return command;
    }

    private static string H(TimeSpan t) => Invariant($"{t.TotalHours:0.00}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
