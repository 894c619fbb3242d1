using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Jobs;

/// <summary>Published traces replayed end to end: constraints hold at every instant and heterogeneity changes run times.</summary>
public sealed class TraceReplayTests
{
    [Theory]
    [InlineData("bestfit")]
    [InlineData("spread")]
    [InlineData("fgd")]
    public void Run_DlrmSample_MaxInstancesPerNodeRespectedAtEveryInstant(string policy)
    {
        var trace = AlibabaDlrmReader.Read(Path.Combine(SharedTraces.Root, "alibaba-v2025", "sample.csv"));
        // A deliberately tight fleet (fewer, smaller GPU nodes than the example) so that the limits bind.
        var nodes = NodeFileReader.Read(SharedTraces.Example("alibaba-dlrm", "nodes.csv"))
            .Where(n => n.Name.StartsWith("cn-", StringComparison.Ordinal) || int.Parse(n.Name[3..], System.Globalization.CultureInfo.InvariantCulture) < 24)
            .ToList();

        var result = JobSimulation.Run(nodes, trace.Jobs, PolicyRegistry.Get(policy), QueueDiscipline.Default);

        var limits = trace.Jobs.ToDictionary(j => j.Name, j => (j.Replicas[0].App!, j.Replicas[0].MaxPerNode));
        var events = new List<(TimeSpan Time, int Delta, string Node, string App, int Limit)>();
        foreach (var job in result.Jobs.Where(j => j.Start is not null))
        {
            var (app, limit) = limits[job.Name];
            if (limit > 0)
            {
                events.Add((job.Start!.Value, +1, job.Nodes[0], app, limit));
                events.Add((job.Finish!.Value, -1, job.Nodes[0], app, limit));
            }
        }

        var running = new Dictionary<(string Node, string App), int>();
        var reached = 0;
        // Departures before arrivals at one instant, as the simulator orders them.
        foreach (var e in events.OrderBy(e => e.Time).ThenBy(e => e.Delta))
        {
            var count = running[(e.Node, e.App)] = running.GetValueOrDefault((e.Node, e.App)) + e.Delta;
            Assert.True(count <= e.Limit, $"{count} instances of {e.App} on {e.Node} at {e.Time} (max {e.Limit})");
            reached += count == e.Limit && e.Delta > 0 ? 1 : 0;
        }

        Assert.True(reached > 0, "no app ever reached its per-node limit, so the test would not notice a violation");
        Assert.True(result.Completed > 0);
    }

    [Fact]
    public void Run_GavelTraceOnHeterogeneousCluster_HeterogeneityAwareCutsAverageJct()
    {
        var throughputs = GavelThroughputs.Load(Path.Combine(SharedTraces.Root, "gavel", "simulation_throughputs.json"));
        var trace = GavelTraceReader.Read(Path.Combine(SharedTraces.Root, "gavel", "msr", "seed0", "0e4a51.trace"), throughputs);
        var nodes = ClusterSpecReader.Parse("300:300:300");

        var bestfit = JobSimulation.Run(nodes, trace.Jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default);
        var gavel = JobSimulation.Run(nodes, trace.Jobs, PolicyRegistry.Get("gavel"), QueueDiscipline.Default);

        Assert.Equal(trace.Jobs.Count, gavel.Completed);
        Assert.True(gavel.AverageCompletionTime < bestfit.AverageCompletionTime * 0.8,
            $"gavel {gavel.AverageCompletionTime.TotalHours:F1} h vs bestfit {bestfit.AverageCompletionTime.TotalHours:F1} h");
        // Every job ran exactly as long as its slowest replica's model says.
        var byName = trace.Jobs.ToDictionary(j => j.Name);
        var models = nodes.ToDictionary(n => n.Name, n => n.GpuModel);
        Assert.All(gavel.Jobs, o => Assert.Equal(
            o.Nodes.Max(n => byName[o.Name].DurationOn(models[n])).TotalSeconds, (o.Finish!.Value - o.Start!.Value).TotalSeconds, 3));
    }

    [Fact]
    public void Find_ModelCaseDiffersOrModelMissing_OnlyMissingModelUnschedulable()
    {
        NodeSpec[] nodes = [new() { Name = "n", CpuMilli = 8000, MemoryMiB = 8192, GpuCount = 4, GpuModel = "V100", RdmaNics = 1 }];
        var jobs = JobFileReader.ReadYaml(new StringReader("""
            jobs:
              - name: lower
                duration: 1h
                resources: {gpu: 1, gpuModels: [v100]}
              - name: a100
                duration: 1h
                resources: {gpu: 1, gpuModels: [A100]}
              - name: rdma
                duration: 1h
                resources: {cpu: 1, rdma: 2}
              - name: spread
                duration: 1h
                replicas: 2
                maxPerNode: 1
                resources: {cpu: 1}
            """), "jobs.yaml");

        var found = UnschedulableJobs.Find(nodes, jobs);

        Assert.Equal(["a100", "rdma", "spread"], found.Select(f => f.Job.Name));
        Assert.Contains("A100", found[0].Reason);
        Assert.Contains("rdma", found[1].Reason);
        Assert.Contains("at once", found[2].Reason);
    }
}
