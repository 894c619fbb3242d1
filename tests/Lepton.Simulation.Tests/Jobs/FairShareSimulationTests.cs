using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Jobs;

/// <summary>The simulator under fair share (same planner as the server) and with runtimes learned online.</summary>
public sealed class FairShareSimulationTests
{
    private static readonly NodeSpec[] Cluster = [new() { Name = "n1", CpuMilli = 64_000, MemoryMiB = 256_000, GpuCount = 4, GpuModel = "A100" }];

    private static SimulatedJob Job(string name, string tenant, double arrivalHours, double hours) =>
        new(name, TimeSpan.FromHours(arrivalHours), TimeSpan.FromHours(hours), null,
            [new TaskRequest { Name = name, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000, Preemptible = true }])
        {
            Tenant = tenant,
            Labels = new Dictionary<string, string> { ["user"] = tenant + "-user", ["name"] = "train" },
        };

    private static List<SimulatedJob> Trace() =>
        [.. Enumerable.Range(0, 8).Select(i => Job($"a{i}", "a", 0, 1)), Job("b0", "b", 0.5, 1), Job("b1", "b", 0.5, 1)];

    [Fact]
    public void Run_FairShare_LendsIdleGpusAndReclaims_FasterThanHardQuotas()
    {
        var policy = PolicyRegistry.Get("bestfit");
        var quotas = new Dictionary<string, ResourceVector> { ["a"] = new(1_000_000, 1_000_000, 2000, 0, 0), ["b"] = new(1_000_000, 1_000_000, 2000, 0, 0) };
        var fair = new FairSharePolicy(new Dictionary<string, TenantShare>
        {
            ["a"] = new(new ResourceVector(0, 0, 2000, 0, 0)),
            ["b"] = new(new ResourceVector(0, 0, 2000, 0, 0)),
        }, FairSharePolicy.DefaultAgingInterval);
        var hard = JobSimulation.Run(Cluster, Trace(), policy, new JobSimulationOptions { Quotas = quotas });
        var shared = JobSimulation.Run(Cluster, Trace(), policy, new JobSimulationOptions { FairShare = fair });

        Assert.All(shared.Jobs, j => Assert.NotNull(j.Finish));
        Assert.True(shared.Makespan < hard.Makespan, $"fair share {shared.Makespan} vs hard quotas {hard.Makespan}");
        // b's jobs arrive while a borrows b's half: they reclaim it at once.
        Assert.All(shared.Jobs.Where(j => j.Tenant == "b"), j => Assert.Equal(TimeSpan.FromHours(0.5), j.Start));
        Assert.True(shared.Jobs.Sum(j => j.Preemptions) > 0);
        var measured = FairnessExperiment.Measure("fair share", Cluster, shared);
        Assert.InRange(measured.JainIndex, 0, 1);
    }

    [Fact]
    public void Run_LearnRuntimes_UnderEasy_EveryJobFinishes()
    {
        var result = JobSimulation.Run(Cluster, Trace(), PolicyRegistry.Get("bestfit"),
            new JobSimulationOptions { Discipline = QueueDiscipline.Easy, LearnRuntimes = true });
        Assert.All(result.Jobs, j => Assert.NotNull(j.Finish));
    }

    [Fact]
    public void PhillyTraceReader_SharedSubset_ReadsEveryJobWithItsGpus()
    {
        var path = Path.Combine(SharedTraces.Root, "philly-subset", "train.csv");
        var jobs = PhillyTraceReader.Read(path);
        Assert.Equal(2944, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.Gpus >= 2));
        var simulated = PhillyTraceReader.ToSimulated(jobs);
        Assert.All(simulated, j => Assert.Equal(jobs.First(p => p.Id == j.Name).Gpus, (int)j.Gpus));
        Assert.Equal(11, PhillyTraceReader.ReadNodes(Path.Combine(SharedTraces.Root, "philly-subset", "vc_nodes.csv")).Count);
    }

    [Fact]
    public void PhillyTraceReader_BadRuntime_NamesFileLineAndField()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "status,vc,jobid,submitted_time,user,runtime_min,start_time,end_time,detail\nPass,v,j1,2017-10-01 00:00:00,u,abc,,,\"[{\"\"ip\"\":\"\"m1\"\",\"\"gpus\"\":[\"\"gpu0\"\",\"\"gpu1\"\"]}]\"\n");
            var e = Assert.Throws<TraceFormatException>(() => PhillyTraceReader.Read(file));
            Assert.Equal(2, e.Line);
            Assert.Equal("runtime_min", e.Field);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
