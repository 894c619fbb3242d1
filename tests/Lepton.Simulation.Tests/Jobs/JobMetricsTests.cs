using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Tests.Jobs;

public sealed class JobMetricsTests
{
    private static NodeSpec Machine(string name, int gpus = 1, long cpu = 8000) => new()
    {
        Name = name, CpuMilli = cpu, MemoryMiB = 32768, GpuCount = gpus, GpuModel = "A100",
    };

    private static SimulatedJob Job(string name, double arrivalHours, double durationHours, int gpus = 1, long cpu = 8000, int priority = 5,
        bool preemptible = false, string tenant = "default", double? deadlineHours = null, int replicas = 1) =>
        new(name, TimeSpan.FromHours(arrivalHours), TimeSpan.FromHours(durationHours), null,
            [.. Enumerable.Range(0, replicas).Select(i => new TaskRequest
            {
                Name = $"{name}-{i}", CpuMilli = cpu, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = gpus > 0 ? 1000 : 0,
                Priority = priority, Preemptible = preemptible, Gang = replicas > 1 ? name : null,
            })])
        {
            Tenant = tenant,
            Deadline = deadlineHours is { } d ? TimeSpan.FromHours(d) : null,
        };

    private static JobSimulationResult Run(NodeSpec[] nodes, SimulatedJob[] jobs, JobSimulationOptions? options = null) =>
        JobSimulation.Run(nodes, jobs, PolicyRegistry.Get("bestfit"), options ?? new JobSimulationOptions());

    [Fact]
    public void Of_OneMachineThreeJobs_PercentilesPerTenantSlowdownAndSloMisses()
    {
        var result = Run([Machine("m")], [Job("a", 0, 2, tenant: "x", deadlineHours: 2), Job("b", 0, 1, tenant: "y", deadlineHours: 2), Job("c", 1, 1, tenant: "y")]);

        var metrics = JobMetrics.Of(result);

        // a runs 0–2, b 2–3, c 3–4: JCT 2, 3, 3; waits 0, 2, 2; slowdowns 1, 3, 3.
        Assert.Equal(new Distribution(3, 8 / 3.0, 3, 3, 3), metrics.Overall.CompletionHours);
        Assert.Equal(2, metrics.Overall.QueueingDelayHours.P50);
        Assert.Equal(7 / 3.0, metrics.Overall.Slowdown.Mean, 9);
        Assert.Equal(["x", "y"], metrics.ByTenant.Select(g => g.Group));
        Assert.Equal(3, metrics.ByTenant.Single(g => g.Group == "y").CompletionHours.Mean);
        Assert.Equal((2, 1), (metrics.JobsWithDeadline, metrics.SloMisses));
        Assert.Equal("A100", Assert.Single(metrics.ByGpuModel).Group);
        Assert.Equal(100, metrics.GpuAllocationPct, 9);
    }

    [Fact]
    public void Of_Window_MeansOverThatWindowOnly()
    {
        // Two machines: one busy 0–4 h, the other 0–1 h.
        var result = Run([Machine("m1"), Machine("m2")], [Job("long", 0, 4), Job("short", 0, 1)]);

        Assert.Equal(100.0 * 5 / 8, JobMetrics.Of(result).GpuAllocationPct, 9);
        Assert.Equal(50, JobMetrics.Of(result, TimeSpan.FromHours(2), TimeSpan.FromHours(4)).GpuAllocationPct, 9);
    }

    [Fact]
    public void Of_SizesAndGangWait_GroupedByGpus()
    {
        var result = Run([Machine("m1", gpus: 4), Machine("m2", gpus: 4)],
            [Job("big", 0, 1, gpus: 4, cpu: 1000), Job("one", 0, 1, cpu: 1000), Job("gang", 0, 1, gpus: 4, cpu: 1000, replicas: 2)]);

        var metrics = JobMetrics.Of(result);

        Assert.Equal(["1 GPU", "4 GPU", "8 GPU"], metrics.BySize.Select(g => g.Group));
        Assert.Equal(1, metrics.GangWaitHours.Count);
        Assert.Equal(1, metrics.GangWaitHours.Mean);   // the 8-GPU gang waits for both machines
    }

    [Fact]
    public void Run_CpuExhaustedNextToIdleGpus_CountsStrandedGpus()
    {
        // A CPU-only job takes all of m's CPU while its 4 GPUs idle: no GPU task (1 core) can use them.
        var result = Run([Machine("m", gpus: 4, cpu: 4000)], [Job("cpu-hog", 0, 2, gpus: 0, cpu: 4000), Job("gpu", 3, 1, cpu: 1000)]);

        Assert.Equal(4, result.Timeline[0].StrandedGpus);
        Assert.Equal(0, result.Timeline[^1].StrandedGpus);
        Assert.True(JobMetrics.Of(result).StrandedGpus > 0);
    }

    [Fact]
    public void Run_HigherPriorityArrival_PreemptsAndVictimRestartsFromScratch()
    {
        var result = Run([Machine("m")], [Job("low", 0, 3, priority: 2, preemptible: true), Job("high", 1, 1, priority: 9)]);

        var byName = result.Jobs.ToDictionary(j => j.Name);
        Assert.Equal(TimeSpan.FromHours(1), byName["high"].Start);
        Assert.Equal(1, byName["low"].Preemptions);
        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromHours(5)), (byName["low"].Start!.Value, byName["low"].Finish!.Value));
        Assert.Equal(1, JobMetrics.Of(result).Preemptions);
    }

    [Fact]
    public void Run_TenantQuota_CapsConcurrentGpus()
    {
        var quota = new ResourceVector(long.MaxValue / 4, long.MaxValue / 4, 1000, long.MaxValue / 4, long.MaxValue / 4);
        var result = Run([Machine("m1"), Machine("m2")], [Job("a", 0, 1, tenant: "t"), Job("b", 0, 1, tenant: "t")],
            new JobSimulationOptions { Quotas = new Dictionary<string, ResourceVector> { ["t"] = quota } });

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromHours(1)], result.Jobs.Select(j => j.Start!.Value));
    }

    [Fact]
    public void Run_StrictFifo_LaterJobWaitsBehindBlockedHead()
    {
        SimulatedJob[] jobs = [Job("running", 0, 2), Job("pair", 0.5, 1, replicas: 2), Job("small", 0.5, 1)];

        var fifo = Run([Machine("m1"), Machine("m2")], jobs, new JobSimulationOptions { Discipline = QueueDiscipline.Fifo });
        var greedy = Run([Machine("m1"), Machine("m2")], jobs);

        Assert.Equal(TimeSpan.FromHours(3), fifo.Jobs.Single(j => j.Name == "small").Start);
        Assert.Equal(TimeSpan.FromHours(0.5), greedy.Jobs.Single(j => j.Name == "small").Start);
    }

    [Fact]
    public void Sweep_DeterministicPolicyTwoQueuesThreeSeeds_SummaryPerCombination()
    {
        SimulatedJob[] jobs = [Job("a", 0, 2), Job("b", 0, 1), Job("c", 1, 1)];

        var runs = JobSweep.Run([Machine("m1"), Machine("m2")], jobs, [PolicyRegistry.Get("bestfit")], [QueueDiscipline.PriorityBackfill, QueueDiscipline.Easy], [1, 2, 3], maxParallelism: 2);
        var summary = JobSweep.Summarise(runs);

        Assert.Equal(6, runs.Count);
        Assert.Equal(["priority-backfill", "easy"], summary.Select(s => s.Queue));
        Assert.All(summary, s => Assert.Equal(3, s.Runs));
        var completion = summary[0].Metrics["meanCompletionHours"];
        Assert.Equal(completion.Low, completion.High);
        Assert.Equal(JobSweep.MetricNames.Count, summary[0].Metrics.Count);
    }

    [Theory]
    [InlineData(10, 2, 9)]
    [InlineData(20, 6, 15)]
    [InlineData(5, 1, 5)]
    public void MedianInterval_OneToN_OrderStatisticsInterval(int n, double low, double high)
    {
        var interval = MedianInterval.Of(Enumerable.Range(1, n).Select(i => (double)i));

        Assert.Equal((n + 1) / 2.0, interval.Median);
        Assert.Equal((low, high), (interval.Low, interval.High));
    }
}
