using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class OpenbPodTimelineReaderTests
{
    private const string Header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

    [Fact]
    public void Read_PublishedDefault_ReplaysPodsThatRanAndReportsTheRest()
    {
        var trace = OpenbPodTimelineReader.Read(Path.Combine(SharedTraces.Root, "openb", "openb_pod_list_default.csv"));

        // 8,152 pods: 897 Pending pods never got a scheduled_time.
        Assert.Equal((7255, 897, 0), (trace.Jobs.Count, trace.NeverRan.Count, trace.Censored));
        Assert.All(trace.NeverRan, n => Assert.Contains("Pending", n.Reason));
        var first = trace.Jobs[0];
        Assert.Equal(("openb-pod-0000", TimeSpan.Zero, TimeSpan.FromSeconds(12537496)), (first.Name, first.Arrival, first.Duration));
        Assert.Equal(("LS", "Running"), (first.Labels["qos"], first.Labels["pod_phase"]));
        Assert.Equal((12000L, 1, 1000), (first.Replicas[0].CpuMilli, first.Replicas[0].GpuCount, first.Replicas[0].GpuMilliPerGpu));
        var second = trace.Jobs[1];
        Assert.Equal((TimeSpan.FromSeconds(427061), TimeSpan.FromSeconds(12902960 - 427061), 460), (second.Arrival, second.Duration, second.Replicas[0].GpuMilliPerGpu));
    }

    [Fact]
    public void Read_ScientificNotationAndOpenPod_CensoredAtTraceEnd()
    {
        var csv = Header
            + "a,1000,1024,1,1000,V100M16|V100M32,LS,Running,2.5e+01,1.0E2,30\n"
            + "b,1000,1024,0,0,,BE,Running,40,,50\n"
            + "c,1000,1024,1,500,,BE,Failed,2.67754e+06,2.67764e+06,2.67754e+06\n";

        var trace = OpenbPodTimelineReader.Read(new StringReader(csv), "pods.csv");

        Assert.Equal((TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(70)), (trace.Jobs[0].Arrival, trace.Jobs[0].Duration));
        Assert.Equal(["V100M16", "V100M32"], trace.Jobs[0].Replicas[0].GpuModels);
        Assert.True(trace.Jobs[1].Censored);
        Assert.Equal(TimeSpan.FromSeconds(2677640 - 50), trace.Jobs[1].Duration);
        Assert.Equal(TimeSpan.FromSeconds(2677540), trace.Jobs[2].Arrival);
        Assert.Equal(1, trace.Censored);
    }

    [Theory]
    [InlineData("a,1000,1024,1,1000,,LS,Running,soon,100,10\n", "creation_time")]
    [InlineData("a,1000,1024,1,1000,,LS,Running,10,5,10\n", "deletion_time")]
    [InlineData("a,1000,1024,1,1000,,LS,Running,10,50,5\n", "scheduled_time")]
    [InlineData("a,1000,1024,x,1000,,LS,Running,10,50,10\n", "num_gpu")]
    public void Read_BadField_NamesFileLineAndField(string row, string field)
    {
        var e = Assert.Throws<TraceFormatException>(() => OpenbPodTimelineReader.Read(new StringReader(Header + "ok,1,1,0,0,,LS,Running,0,1,0\n" + row), "pods.csv"));

        Assert.Equal(("pods.csv", 3, field), (e.File, e.Line, e.Field));
    }
}
