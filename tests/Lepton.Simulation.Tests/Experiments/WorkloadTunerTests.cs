using Lepton.Core.Workloads;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class WorkloadTunerTests
{
    private static TaskRequest Pod(string name, int gpus, int milli) => new() { Name = name, CpuMilli = 1000, GpuCount = gpus, GpuMilliPerGpu = milli };

    [Fact]
    public void Tune_BelowTarget_AppendsNamedSamplesAfterTheOriginals()
    {
        IReadOnlyList<TaskRequest> original = [Pod("a", 1, 500), Pod("b", 1, 1000), Pod("c", 0, 0)];
        var pods = original.ToList();

        // Capacity 10 GPUs, tune 1.3: target 13,000 milli; the originals hold 1,500.
        WorkloadTuner.Tune(pods, original, 10_000, 1.3, new Random(3));

        Assert.Equal(["a", "b", "c"], pods.Take(3).Select(p => p.Name));
        var added = pods.Skip(3).ToList();
        Assert.NotEmpty(added);
        for (var i = 0; i < added.Count; i++)
        {
            Assert.Matches($"^[abc]-tuned-{i}$", added[i].Name);
        }

        var total = pods.Sum(p => p.TotalGpuMilli);
        Assert.InRange(total, 13_000 - 1000 + 1, 13_000);
    }

    [Fact]
    public void Tune_StopTestUsesPerGpuMilli_CanOvershootWithMultiGpuSample()
    {
        // Only 8-GPU pods: each draw adds 8,000 while the stop test looks at g = 1,000 (FGD-SPEC §2.3 quirk).
        IReadOnlyList<TaskRequest> original = [Pod("big", 8, 1000)];
        var pods = original.ToList();

        WorkloadTuner.Tune(pods, original, 10_000, 1.3, new Random(1));

        // 8,000 → 16,000: the second draw passes 8,000 + 1,000 ≤ 13,000 and overshoots; the third stops.
        Assert.Equal(2, pods.Count);
        Assert.Equal(16_000, pods.Sum(p => p.TotalGpuMilli));
    }

    [Fact]
    public void Tune_AboveTarget_RemovesUntilAtMostTargetKeepingOrder()
    {
        IReadOnlyList<TaskRequest> original = [.. Enumerable.Range(0, 40).Select(i => Pod($"p{i:00}", 1, 1000))];
        var pods = original.ToList();

        WorkloadTuner.Tune(pods, original, 20_000, 1.3, new Random(5));

        Assert.Equal(26, pods.Count);
        var positions = pods.Select(p => original.ToList().IndexOf(p)).ToList();
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Tune_ExactlyOnTarget_LeavesListUnchanged()
    {
        IReadOnlyList<TaskRequest> original = [Pod("a", 1, 1000), Pod("b", 1, 300)];
        var pods = original.ToList();

        WorkloadTuner.Tune(pods, original, 1000, 1.3, new Random(5));

        Assert.Equal(original, pods);
    }

    [Fact]
    public void Tune_SameSeed_SameList()
    {
        IReadOnlyList<TaskRequest> original = [Pod("a", 1, 500), Pod("b", 2, 1000), Pod("c", 0, 0), Pod("d", 1, 250)];
        var first = original.ToList();
        var second = original.ToList();

        WorkloadTuner.Tune(first, original, 50_000, 1.3, new Random(42));
        WorkloadTuner.Tune(second, original, 50_000, 1.3, new Random(42));

        Assert.Equal(first.Select(p => p.Name), second.Select(p => p.Name));
    }
}
