using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class AlibabaDlrmReaderTests
{
    private const string Header =
        "instance_sn,role,app_name,cpu_request,cpu_limit,gpu_request,gpu_limit,rdma_request,rdma_limit,memory_request,memory_limit,disk_request,disk_limit,max_instance_per_node,creation_time,scheduled_time,deletion_time\n";

    [Fact]
    public void Read_Sample_RequestsLimitsAndCensoring()
    {
        var trace = AlibabaDlrmReader.Read(Path.Combine(SharedTraces.Root, "alibaba-v2025", "sample.csv"));

        Assert.Equal(500, trace.Jobs.Count);
        Assert.Equal(204, trace.Censored);
        Assert.Equal(239, trace.Jobs.Count(j => j.Labels.ContainsKey("existing")));
        Assert.All(trace.Jobs.Where(j => j.Labels.ContainsKey("existing")), j => Assert.Equal(TimeSpan.Zero, j.Arrival));
        var first = trace.Jobs[0];
        var task = first.Replicas[0];
        Assert.Equal(("instance_2", "HN", "app_0"), (first.Name, first.Labels["role"], task.App));
        Assert.Equal((12000L, 120L * 1024, 1, 1000, 250L, 8), (task.CpuMilli, task.MemoryMiB, task.GpuCount, task.GpuMilliPerGpu, task.RdmaMilli, task.MaxPerNode));
        Assert.Equal("680", first.Labels["disk_gib"]);
        Assert.All(trace.Jobs.Where(j => j.Labels["role"] == "CN"), j => Assert.Equal(0, j.Replicas[0].GpuCount));
        // Censored instances hold on until the last time recorded anywhere in the file, after every finished one.
        var lastFinish = trace.Jobs.Where(j => !j.Censored).Max(j => j.Arrival + j.Duration);
        var censoredEnds = trace.Jobs.Where(j => j.Censored).Select(j => j.Arrival + j.Duration).ToList();
        Assert.True(censoredEnds.Max() >= lastFinish);
        Assert.All(trace.Jobs.Where(j => j.Censored), j => Assert.True(j.Duration > TimeSpan.Zero));
    }

    [Fact]
    public void Read_NoLimitAndTimes_Parsed()
    {
        var csv = Header
            + "i1,CN,app_1,64,64,0,0,100,100,320.0,320.0,100,200,-1,1.5e+03,1.6e+03,2.0e+03\n"
            + "i2,HN,app_2,8,8,1,1,25,25,40.0,40.0,100,200,2,,,\n";

        var trace = AlibabaDlrmReader.Read(new StringReader(csv), "dlrm.csv");

        Assert.Equal((TimeSpan.FromSeconds(1500), TimeSpan.FromSeconds(400), 0, 1000L), (trace.Jobs[0].Arrival, trace.Jobs[0].Duration, trace.Jobs[0].Replicas[0].MaxPerNode, trace.Jobs[0].Replicas[0].RdmaMilli));
        Assert.True(trace.Jobs[1].Censored);
        Assert.Equal(TimeSpan.FromSeconds(2000), trace.Jobs[1].Duration);
    }

    [Theory]
    [InlineData("i9,XN,app_1,64,64,0,0,100,100,320.0,320.0,100,200,-1,1,1,2\n", "role")]
    [InlineData("i9,CN,app_1,lots,64,0,0,100,100,320.0,320.0,100,200,-1,1,1,2\n", "cpu_request")]
    [InlineData("i9,CN,app_1,64,64,0,0,100,100,320.0,320.0,100,200,-5,1,1,2\n", "max_instance_per_node")]
    [InlineData("i9,CN,app_1,64,64,0,0,100,100,320.0,320.0,100,200,-1,1,,2\n", "scheduled_time")]
    [InlineData("i9,CN,app_1,64,64,0,0,100,100,320.0,320.0,100,200,-1,5,6,2\n", "deletion_time")]
    public void Read_BadField_NamesFileLineAndField(string row, string field)
    {
        var e = Assert.Throws<TraceFormatException>(() => AlibabaDlrmReader.Read(new StringReader(Header + row), "dlrm.csv"));

        Assert.Equal(("dlrm.csv", 2, field), (e.File, e.Line, e.Field));
    }
}
