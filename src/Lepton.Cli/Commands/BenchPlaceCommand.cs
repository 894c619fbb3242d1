using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton bench place</c>: placement throughput and allocation per placement on a synthetic openb-shaped cluster.</summary>
/// <remarks>
/// Nodes and tasks come from <see cref="SyntheticWorkload"/> (openb shapes, seeded), or with <c>--openb</c> from the
/// openb GPU node list and the <c>default</c> pods in ../shared/traces. Warm-up passes on separate clusters run
/// first (about 0.6 s) so tiered compilation has optimised the hot path; the measured pass times TryPlace + Commit for every task on one
/// thread and reads <see cref="GC.GetAllocatedBytesForCurrentThread"/> around it.
/// </remarks>
internal sealed class BenchPlaceCommand : IBenchSubcommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Synthetic nodes (openb shapes).", DefaultValueFactory = _ => 5000 };
        var tasks = new Option<int>("--tasks") { Description = "Tasks to place (openb default shapes).", DefaultValueFactory = _ => 20000 };
        var policy = new Option<string>("--policy") { Description = "Placement policy (see 'lepton policies').", DefaultValueFactory = _ => "bestfit" };
        var seed = new Option<int>("--seed") { Description = "Seed for the workload and the policy.", DefaultValueFactory = _ => 42 };
        var openb = new Option<bool>("--openb") { Description = "Use the openb GPU nodes and default pods (from --traces, $LEPTON_TRACES or ../shared/traces) instead of synthetic ones." };
        var traces = new Option<string>("--traces") { Description = "The public trace folder (holding openb/) for --openb." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("place", "Measure placements per second and bytes allocated per placement.")
        {
            nodes, tasks, policy, seed, openb, json, traces,
        };
        command.SetAction(parse =>
        {
            var policyName = parse.GetValue(policy)!;
            if (!PolicyRegistry.TryGet(policyName, out var chosen))
            {
                throw new CliError($"unknown policy '{policyName}'; valid policies: {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            var nodeCount = parse.GetValue(nodes);
            var taskCount = parse.GetValue(tasks);
            if (nodeCount <= 0 || taskCount <= 0)
            {
                throw new CliError("--nodes and --tasks must be positive", 2);
            }

            var (nodeList, taskList) = parse.GetValue(openb) ? LoadOpenb(taskCount, parse.GetValue(traces)) : (SyntheticWorkload.Nodes(nodeCount, parse.GetValue(seed)), SyntheticWorkload.Tasks(taskCount, parse.GetValue(seed)));
            var result = Measure(chosen, nodeList, taskList, parse.GetValue(seed));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                Console.WriteLine(string.Create(c, $"policy {result.Policy}: {result.Tasks} tasks on {result.Nodes} nodes, {result.Placed} placed in {result.Seconds:F3} s"));
                Console.WriteLine(string.Create(c, $"placements per second:          {result.PlacementsPerSecond:F0}"));
                Console.WriteLine(string.Create(c, $"placements per CPU second:      {result.PlacementsPerCpuSecond:F0}"));
                Console.WriteLine(string.Create(c, $"bytes allocated per placement:  {result.AllocatedBytesPerPlacement:F2}"));
            }

            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static (IReadOnlyList<NodeSpec> Nodes, IReadOnlyList<TaskRequest> Tasks) LoadOpenb(int taskLimit, string? tracesDirectory)
    {
        string dir;
        try
        {
            dir = Path.Combine(TraceDirectory.Resolve(tracesDirectory) ?? throw new DirectoryNotFoundException(TraceDirectory.MissingMessage), "openb");
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidOperationException or IOException)
        {
            throw new CliError(e.Message);
        }

        var nodes = OpenbNodeReader.Read(Path.Combine(dir, "openb_node_list_gpu_node.csv"));
        var pods = OpenbPodReader.Read(Path.Combine(dir, "openb_pod_list_default.csv"));
        return (nodes, pods.Count > taskLimit ? [.. pods.Take(taskLimit)] : pods);
    }

    private static BenchPlaceResult Measure(PlacementPolicy policy, IReadOnlyList<NodeSpec> nodes, IReadOnlyList<TaskRequest> tasks, int seed)
    {
        var options = new PlacementOptions { Seed = seed, TargetWorkload = TargetWorkload.FromTasks(tasks) };

        // Warm-up on throw-away clusters until tiered compilation has promoted the hot path (it recompiles in the
        // background after a delay of about 100 ms), so the measurement sees steady-state code.
        var warmUp = Stopwatch.GetTimestamp();
        do
        {
            Run(new PlacementEngine(new ClusterState(nodes), policy, options), tasks, Math.Min(tasks.Count, 5000));
        }
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 600);

        Thread.Sleep(200);

        var engine = new PlacementEngine(new ClusterState(nodes), policy, options);
        GC.Collect();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        var placed = Run(engine, tasks, tasks.Count);
        var end = Stopwatch.GetTimestamp();
        var cpuSeconds = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        return new BenchPlaceResult(policy.Name, nodes.Count, tasks.Count, placed, seconds, tasks.Count / seconds, (double)allocated / tasks.Count,
            cpuSeconds, tasks.Count / cpuSeconds);
    }

    private static int Run(PlacementEngine engine, IReadOnlyList<TaskRequest> tasks, int count)
    {
        var placed = 0;
        for (var i = 0; i < count; i++)
        {
            var task = tasks[i];
            if (engine.TryPlace(task, out var placement))
            {
                engine.Commit(task, placement);
                placed++;
            }
        }

        return placed;
    }

    /// <summary>Throughput; <c>PlacementsPerCpuSecond</c> divides by the process CPU time instead of wall-clock time, which
    /// is steadier on a busy machine (the measured loop is single-threaded and allocates nothing for the GC to do).</summary>
    private sealed record BenchPlaceResult(string Policy, int Nodes, int Tasks, int Placed, double Seconds, double PlacementsPerSecond,
        double AllocatedBytesPerPlacement, double CpuSeconds, double PlacementsPerCpuSecond);
}
