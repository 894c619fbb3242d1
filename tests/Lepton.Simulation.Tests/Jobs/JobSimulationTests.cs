using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Jobs;

public sealed class JobSimulationTests
{
    private static NodeSpec Machine(string name) => new()
    {
        Name = name, CpuMilli = 8000, MemoryMiB = 32768, GpuCount = 1, GpuModel = "A100", PricePerHour = 2.5, IdleWatts = 100, PeakWatts = 400,
    };

    private static SimulatedJob Job(string name, double arrivalHours, double durationHours, double? cost = null, int replicas = 1, int priority = 5, int gpus = 1)
    {
        var template = new TaskRequest { Name = name, CpuMilli = 8000, MemoryMiB = 32768, GpuCount = gpus, GpuMilliPerGpu = gpus > 0 ? 1000 : 0, Priority = priority };
        IReadOnlyList<TaskRequest> tasks = replicas == 1
            ? [template]
            : [.. Enumerable.Range(0, replicas).Select(i => template with { Name = $"{name}-{i}", Gang = name })];
        return new SimulatedJob(name, TimeSpan.FromHours(arrivalHours), TimeSpan.FromHours(durationHours), cost, tasks);
    }

    [Theory]
    [InlineData("cluster.yaml", "jobs.yaml")]
    [InlineData("cluster.yaml", "jobs.csv")]
    public void Run_ExampleLongestFirst_Makespan7hUtilisation25Of28Cost160(string clusterFile, string jobsFile)
    {
        var nodes = NodeFileReader.Read(SharedTraces.Example("jobs", "longest-first", clusterFile));
        var jobs = JobFileReader.Read(SharedTraces.Example("jobs", "longest-first", jobsFile));

        var result = JobSimulation.Run(nodes, jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.LongestFirst));

        Assert.Equal(10, result.Completed);
        Assert.Equal(TimeSpan.FromHours(7), result.Makespan);
        Assert.Equal(100.0 * 25 / 28, result.Utilisation.GpuPct, 9);
        Assert.Equal(89.3, Math.Round(result.HeadlineUtilisationPct, 1));
        Assert.Equal(160, result.JobCost);
        Assert.Equal(4 * 2.5 * 7, result.ClusterCost, 9);
        // 25 busy machine-hours at 400 W and 3 idle machine-hours at 100 W.
        Assert.Equal(10.3, result.EnergyKWh, 9);
    }

    [Fact]
    public void Run_OneMachine_JobsWaitAndCompletionTimesAddUp()
    {
        var result = JobSimulation.Run([Machine("m")], [Job("a", 0, 2), Job("b", 0, 1), Job("c", 1, 1)], PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.Arrival));

        var byName = result.Jobs.ToDictionary(j => j.Name);
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromHours(2)), (byName["a"].Start!.Value, byName["a"].Finish!.Value));
        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromHours(3)), (byName["b"].Start!.Value, byName["b"].Finish!.Value));
        Assert.Equal((TimeSpan.FromHours(3), TimeSpan.FromHours(4)), (byName["c"].Start!.Value, byName["c"].Finish!.Value));
        Assert.Equal(TimeSpan.FromHours(4), result.Makespan);
        Assert.Equal(TimeSpan.FromHours((2 + 3 + 3) / 3.0), result.AverageCompletionTime);
        Assert.Equal(TimeSpan.FromHours(3), result.P99CompletionTime);
        Assert.Equal(TimeSpan.FromHours((0 + 2 + 2) / 3.0), result.AverageQueueingDelay);
        Assert.Equal(100, result.Utilisation.GpuPct, 9);
    }

    [Fact]
    public void Run_ShortestFirstVersusFifo_LowerMeanCompletionTime()
    {
        SimulatedJob[] jobs = [Job("long", 0, 5), Job("short-1", 0, 1), Job("short-2", 0, 1)];

        var fifo = JobSimulation.Run([Machine("m")], jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.Arrival));
        var spt = JobSimulation.Run([Machine("m")], jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.ShortestFirst));

        Assert.Equal(TimeSpan.FromHours((5 + 6 + 7) / 3.0), fifo.AverageCompletionTime);
        Assert.Equal(TimeSpan.FromHours((1 + 2 + 7) / 3.0), spt.AverageCompletionTime);
        Assert.Equal(fifo.Makespan, spt.Makespan);
    }

    [Fact]
    public void Run_PriorityOrder_MoreImportantJobStartsFirst()
    {
        var result = JobSimulation.Run([Machine("m")], [Job("low", 0, 1, priority: 2), Job("high", 0, 1, priority: 9)], PolicyRegistry.Get("bestfit"), QueueDiscipline.PriorityBackfill);

        Assert.Equal(TimeSpan.Zero, result.Jobs.Single(j => j.Name == "high").Start);
        Assert.Equal(TimeSpan.FromHours(1), result.Jobs.Single(j => j.Name == "low").Start);
    }

    [Fact]
    public void Run_GangNeedsTwoMachines_WaitsUntilBothAreFreeAndBackfillsMeanwhile()
    {
        SimulatedJob[] jobs = [Job("single", 0, 3), Job("gang", 0, 1, replicas: 2), Job("filler", 0, 2)];

        var result = JobSimulation.Run([Machine("m1"), Machine("m2")], jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.Arrival));

        var byName = result.Jobs.ToDictionary(j => j.Name);
        Assert.Equal(TimeSpan.Zero, byName["filler"].Start);          // backfilled while the gang cannot start
        Assert.Equal(TimeSpan.FromHours(3), byName["gang"].Start);     // both machines free only at 3 h
        Assert.Equal(2, byName["gang"].Nodes.Distinct().Count());
        Assert.Equal(TimeSpan.FromHours(4), result.Makespan);
    }

    [Fact]
    public void Run_JobLargerThanAnyNode_NeverStartsWithReason()
    {
        var result = JobSimulation.Run([Machine("m")], [Job("ok", 0, 1), Job("too-big", 0, 1, gpus: 4)], PolicyRegistry.Get("bestfit"), QueueDiscipline.Default.WithOrder(QueueOrder.Arrival));

        var stuck = result.Jobs.Single(j => j.Name == "too-big");
        Assert.Null(stuck.Start);
        Assert.Contains("gpu", stuck.PendingReason!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, result.Completed);
        Assert.Equal(TimeSpan.FromHours(1), result.Makespan);
    }

    [Fact]
    public void Run_LaterArrivals_UtilisationTimelineStepsAtEvents()
    {
        var result = JobSimulation.Run([Machine("m1"), Machine("m2")], [Job("a", 1, 2), Job("b", 2, 2)], PolicyRegistry.Get("fgd"), QueueDiscipline.Default.WithOrder(QueueOrder.Arrival));

        Assert.Equal(TimeSpan.FromHours(1), result.Start);
        Assert.Equal(TimeSpan.FromHours(3), result.Makespan);
        Assert.Equal([1.0, 2, 3, 4], result.Timeline.Select(s => s.Time.TotalHours));
        Assert.Equal([50.0, 100, 50, 0], result.Timeline.Select(s => s.GpuPct));
        Assert.Equal(100.0 * 4 / 6, result.Utilisation.GpuPct, 9);   // 4 busy machine-hours out of 2 × 3
    }
}
