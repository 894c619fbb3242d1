using Lepton.Core.Placement;
using Lepton.Core.Tests.TestData;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class TargetWorkloadTests
{
    /// <summary>FGD-SPEC Appendix A: (cpu, g, n, count) of the 35 typical tasks of openb default, in order.</summary>
    private static readonly (long Cpu, int G, int N, int Count)[] AppendixA =
    [
        (3152, 810, 1, 1047), (11300, 1000, 1, 874), (11400, 1000, 1, 599), (3152, 1000, 1, 470), (11908, 470, 1, 388),
        (12500, 0, 0, 366), (8000, 470, 1, 360), (12000, 1000, 1, 326), (32000, 0, 0, 290), (18708, 1000, 1, 255),
        (11908, 650, 1, 237), (4000, 320, 1, 232), (9810, 1000, 1, 195), (8000, 0, 0, 185), (8000, 1000, 1, 164),
        (4000, 1000, 1, 159), (15700, 1000, 1, 158), (11908, 1000, 1, 153), (16000, 1000, 1, 150), (4000, 230, 1, 122),
        (15400, 0, 0, 120), (6000, 460, 1, 120), (16500, 0, 0, 95), (14200, 1000, 1, 93), (24200, 1000, 1, 84),
        (3152, 590, 1, 75), (8000, 320, 1, 72), (4152, 550, 1, 72), (11900, 1000, 1, 55), (4000, 160, 1, 54),
        (4152, 370, 1, 45), (4000, 220, 1, 43), (8200, 1000, 1, 41), (15200, 1000, 1, 36), (4152, 810, 1, 31),
    ];

    [Fact]
    public void FromTasks_OpenbDefault_MatchesAppendixA()
    {
        var target = TargetWorkload.FromTasks(OpenbTrace.Pods("default"));

        Assert.Equal(8152, target.TotalTasks);
        Assert.Equal(AppendixA, target.Tasks.Select(t => (t.CpuMilli, t.GpuMilliPerGpu, t.GpuCount, t.Count)));
        Assert.Equal(7766, target.Tasks.Sum(t => t.Count));
        Assert.All(target.Tasks, t => Assert.Equal(t.Count / 8152.0 / (7766 / 8152.0), t.Weight));
        Assert.Equal(1.0, target.Tasks.Sum(t => t.Weight), 12);
    }

    [Theory]
    [InlineData("multigpu50", 43)]
    [InlineData("gpuspec33", 127)]
    [InlineData("gpushare100", 21)]
    public void FromTasks_OtherWorkloads_KeepSpecClassCounts(string workload, int typical)
    {
        Assert.Equal(typical, TargetWorkload.FromTasks(OpenbTrace.Pods(workload)).Tasks.Count);
    }

    [Fact]
    public void FromTasks_TiedCounts_BreakByKeyDescending()
    {
        TaskRequest[] tasks =
        [
            new() { Name = "a", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 500 },
            new() { Name = "b", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 500, GpuModels = ["T4", "", "T4"] },
            new() { Name = "c", CpuMilli = 2000 },
            new() { Name = "d", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 700 },
        ];

        var target = TargetWorkload.FromTasks(tasks);

        Assert.Equal(["2000/0/", "1000/700/", "1000/500/T4|T4", "1000/500/"],
            target.Tasks.Select(t => $"{t.CpuMilli}/{t.GpuMilliPerGpu}/{t.GpuSpec}"));
        Assert.All(target.Tasks, t => Assert.Equal(0.25, t.Weight));
    }

    [Theory]
    [InlineData("", "T4", true)]
    [InlineData("T4|V100", "V100", true)]
    [InlineData("T4|V100", "A10", false)]
    [InlineData("T4", "", false)]
    [InlineData("t4", "T4", false)]
    public void Accepts_SpecAndModel_FollowsAccessibleRule(string spec, string model, bool expected)
    {
        Assert.Equal(expected, new TypicalTask(0, 500, 1, spec, 1, 1).Accepts(model));
    }
}
