using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Prediction;
using Lepton.Core.Queueing;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

/// <summary>Core's runtime predictor and queue forecast.</summary>
public sealed class RuntimePredictorTests
{
    private static RuntimeFeatures Job(string tenant = "a", string user = "u", string name = "train", TimeSpan? limit = null) =>
        new(tenant, user, name, "python train.py", 1000, 1, "", limit);

    [Fact]
    public void Predict_NoHistory_FallsBackToDeclaredLimitElseNothing()
    {
        var predictor = new RuntimePredictor();
        Assert.Null(predictor.Predict(Job()));
        var p = predictor.Predict(Job(limit: TimeSpan.FromHours(2)))!;
        Assert.Equal(TimeSpan.FromHours(2), p.Expected);
        Assert.Equal("declared limit", p.Basis);
    }

    [Fact]
    public void Predict_UsesMostSpecificGroupWithEnoughHistory_BandAroundMedian_CappedByLimit()
    {
        var predictor = new RuntimePredictor();
        foreach (var minutes in new[] { 10, 20, 30 })
        {
            predictor.Observe(Job(user: "other", name: "eval"), TimeSpan.FromMinutes(minutes));
        }

        // Another user of the same tenant: only the tenant median is known.
        var tenant = predictor.Predict(Job())!;
        Assert.Equal(20, tenant.Expected.TotalMinutes, 3);
        Assert.StartsWith("tenant", tenant.Basis, StringComparison.Ordinal);
        Assert.True(tenant.Low < tenant.Expected && tenant.Expected < tenant.High);

        foreach (var minutes in new[] { 100, 110, 120 })
        {
            predictor.Observe(Job(), TimeSpan.FromMinutes(minutes));
        }

        var own = predictor.Predict(Job())!;
        Assert.Equal(110, own.Expected.TotalMinutes, 3);
        Assert.StartsWith("user+name", own.Basis, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(60), predictor.Predict(Job(limit: TimeSpan.FromMinutes(60)))!.Expected);
    }

    [Fact]
    public void Forecast_JobBehindRunningOne_StartsWhenItEnds_OnItsNode()
    {
        NodeSpec[] nodes = [new() { Name = "n1", CpuMilli = 8000, MemoryMiB = 8192, GpuCount = 1, GpuModel = "A100" }];
        var request = new TaskRequest { Name = "t", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000 };
        BoundJob[] running = [new(1, "a", 5, false, 1, [new BoundTask(request, new NodePlacement(0, GpuSet.Of([0])))], TimeSpan.FromMinutes(30))];
        QueuedJob[] queue = [new(2, "a", 5, 2, [request], TimeSpan.FromMinutes(45)), new(3, "a", 5, 3, [request], TimeSpan.FromMinutes(10))];
        var forecast = new QueueForecast(PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var eta = forecast.Forecast(nodes, running, queue, 3);
        Assert.Equal(TimeSpan.FromMinutes(75), eta.StartsIn);
        Assert.Equal([2L], eta.StartsBefore);
        Assert.Equal(0, Assert.Single(eta.Placements).Node);
    }
}
