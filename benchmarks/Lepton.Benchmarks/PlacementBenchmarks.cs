using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Benchmarks;

/// <summary>Placement throughput: the openb <c>default</c> pods on the 1,213 openb GPU nodes, and 20,000 synthetic tasks on 5,000 synthetic openb-shaped nodes.</summary>
/// <remarks>
/// One operation is one placement (TryPlace + Commit of one task, placed or not): each invocation places the whole
/// task list on a fresh cluster (built in the iteration setup, outside the measurement) and the result is divided by
/// the number of tasks. <c>Allocated</c> is therefore bytes per placement.
/// Run: <c>dotnet run -c Release --project benchmarks/Lepton.Benchmarks -- --filter '*PlacementBenchmarks*'</c>.
/// The job runs in-process (no generated project to build), which keeps a run to a minute or two on a busy machine;
/// the loop is single-threaded and allocation-free, so isolation in a separate process buys little.
/// </remarks>
[Config(typeof(MonitoringInProcess))]
public class PlacementBenchmarks
{
    private const int OpenbPods = 8152;
    private const int SyntheticNodes = 5000;
    private const int SyntheticTasks = 20000;

    private IReadOnlyList<NodeSpec> _openbNodes = [];
    private TaskRequest[] _openbPods = [];
    private IReadOnlyList<NodeSpec> _syntheticNodes = [];
    private TaskRequest[] _syntheticTasks = [];
    private PlacementEngine? _engine;

    /// <summary>Policy under test.</summary>
    [Params("bestfit", "fgd")]
    public string Policy { get; set; } = "bestfit";

    /// <summary>Loads the openb files from ../shared/traces and draws the synthetic workload.</summary>
    [GlobalSetup]
    public void Load()
    {
        var dir = Path.Combine(TraceDirectory.Locate(), "openb");
        _openbNodes = OpenbNodeReader.Read(Path.Combine(dir, "openb_node_list_gpu_node.csv"));
        _openbPods = [.. OpenbPodReader.Read(Path.Combine(dir, "openb_pod_list_default.csv"))];
        if (_openbPods.Length != OpenbPods)
        {
            throw new InvalidOperationException($"expected {OpenbPods} openb default pods, found {_openbPods.Length}");
        }

        _syntheticNodes = SyntheticWorkload.Nodes(SyntheticNodes);
        _syntheticTasks = [.. SyntheticWorkload.Tasks(SyntheticTasks)];
    }

    /// <summary>Fresh openb cluster and engine.</summary>
    [IterationSetup(Target = nameof(OpenbDefault))]
    public void SetUpOpenb() => _engine = Engine(_openbNodes, _openbPods);

    /// <summary>Fresh synthetic cluster and engine.</summary>
    [IterationSetup(Target = nameof(Synthetic5000))]
    public void SetUpSynthetic() => _engine = Engine(_syntheticNodes, _syntheticTasks);

    /// <summary>openb default pods (file order) on the openb GPU nodes; per placement.</summary>
    [Benchmark(OperationsPerInvoke = OpenbPods)]
    public int OpenbDefault() => PlaceAll(_engine!, _openbPods);

    /// <summary>20,000 synthetic tasks on 5,000 synthetic nodes; per placement.</summary>
    [Benchmark(OperationsPerInvoke = SyntheticTasks)]
    public int Synthetic5000() => PlaceAll(_engine!, _syntheticTasks);

    private PlacementEngine Engine(IReadOnlyList<NodeSpec> nodes, TaskRequest[] tasks) =>
        new(new ClusterState(nodes), PolicyRegistry.Get(Policy), new PlacementOptions { TargetWorkload = TargetWorkload.FromTasks(tasks) });

    private static int PlaceAll(PlacementEngine engine, TaskRequest[] tasks)
    {
        var placed = 0;
        foreach (var task in tasks)
        {
            if (engine.TryPlace(task, out var placement))
            {
                engine.Commit(task, placement);
                placed++;
            }
        }

        return placed;
    }
}

/// <summary>Monitoring strategy (one invocation per iteration, after a fresh setup), in-process, with the memory diagnoser.</summary>
internal sealed class MonitoringInProcess : ManualConfig
{
    public MonitoringInProcess()
    {
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
