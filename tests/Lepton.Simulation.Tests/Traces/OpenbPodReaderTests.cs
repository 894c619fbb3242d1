using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class OpenbPodReaderTests
{
    private const string Header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

    private static string OpenbFile(string name) => Path.Combine(TraceDirectory.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("this test reads the public traces; " + TraceDirectory.MissingMessage), "openb", name);

    [Fact]
    public void Read_OpenbDefault_Has8152PodsWithSpecCensus()
    {
        var pods = OpenbPodReader.Read(OpenbFile("openb_pod_list_default.csv"));

        // FGD-SPEC §1.3, row "default".
        Assert.Equal(8152, pods.Count);
        Assert.Equal(1088, pods.Count(p => p.GpuCount == 0));
        Assert.Equal(3078, pods.Count(p => p.GpuCount == 1 && p.GpuMilliPerGpu < 1000));
        Assert.Equal(75, pods.Count(p => p.GpuCount > 1));
        Assert.Equal(0, pods.Count(p => p.GpuModels.Count > 0));
        Assert.Equal(6086800, pods.Sum(p => p.TotalGpuMilli));
        Assert.Equal("openb-pod-0000", pods[0].Name);
        Assert.Equal("openb-pod-0001", pods[1].Name);
    }

    [Theory]
    [InlineData("openb_pod_list_cpu050.csv", 7439, 375, 3078, 75, 0, 6086800)]
    [InlineData("openb_pod_list_gpushare100.csv", 8152, 1088, 7064, 0, 0, 3952670)]
    [InlineData("openb_pod_list_gpuspec33.csv", 8152, 1088, 3078, 75, 2388, 6086800)]
    [InlineData("openb_pod_list_multigpu50.csv", 9061, 1088, 3078, 984, 0, 11358800)]
    public void Read_OpenbVariant_MatchesSpecCensus(string file, int pods, int cpuOnly, int sharing, int multi, int withSpec, long gpuMilli)
    {
        var tasks = OpenbPodReader.Read(OpenbFile(file));

        Assert.Equal(pods, tasks.Count);
        Assert.Equal(cpuOnly, tasks.Count(p => p.GpuCount == 0));
        Assert.Equal(sharing, tasks.Count(p => p.GpuCount == 1 && p.GpuMilliPerGpu < 1000));
        Assert.Equal(multi, tasks.Count(p => p.GpuCount > 1));
        Assert.Equal(withSpec, tasks.Count(p => p.GpuCount > 0 && p.GpuModels.Count > 0));
        Assert.Equal(gpuMilli, tasks.Sum(p => p.TotalGpuMilli));
    }

    [Theory]
    [InlineData("0,0", 0, 0)]
    [InlineData("0,500", 0, 0)]
    [InlineData("1,460", 1, 460)]
    [InlineData("1,1000", 1, 1000)]
    [InlineData("1,1500", 1, 1000)]
    [InlineData("1,0", 1, 0)]
    [InlineData("1,-3", 1, 0)]
    [InlineData("8,1000", 8, 1000)]
    public void Read_GpuColumns_DerivePerGpuMilliAsSpecSays(string gpuColumns, int count, int perGpu)
    {
        var task = Assert.Single(Parse(Header + $"p,1000,1024,{gpuColumns},,LS,Running,0,1,0\n"));

        Assert.Equal(count, task.GpuCount);
        Assert.Equal(perGpu, task.GpuMilliPerGpu);
    }

    [Theory]
    [InlineData("1", "", "")]
    [InlineData("1", "nan", "")]
    [InlineData("1", "T4", "T4")]
    [InlineData("1", "V100M16|V100M32|V100M32", "V100M16|V100M32|V100M32")]
    [InlineData("2", "|P100||T4|", "P100|T4")]
    [InlineData("1", "|", "")]
    [InlineData("0", "T4", "")]
    public void Read_GpuSpec_SplitsOnBarKeepingOrderAndDuplicates(string numGpu, string spec, string expected)
    {
        var task = Assert.Single(Parse(Header + $"p,1000,1024,{numGpu},1000,{spec},LS,Running,0,1,0\n"));

        Assert.Equal(expected, string.Join("|", task.GpuModels));
    }

    [Fact]
    public void Read_FiveColumnFile_HasNoModelConstraint()
    {
        var task = Assert.Single(Parse("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,4000,0,4,1000\n"));

        Assert.Equal(4000, task.CpuMilli);
        Assert.Equal(0, task.MemoryMiB);
        Assert.Equal(4, task.GpuCount);
        Assert.Empty(task.GpuModels);
        Assert.Equal(5, task.Priority);
        Assert.Null(task.Gang);
    }

    [Fact]
    public void Read_ExtensionColumns_FillEveryTaskField()
    {
        var tasks = Parse("name,cpu_milli,memory_mib,num_gpu,gpu_milli,priority,gang,fpga,network_mbps,preemptible,node_selector\n" +
                          "a,1000,1024,0,0,7,job-1,1,2000,true,zone=eu-1\n" +
                          "b,1000,1024,0,0,,,,,,\n");

        Assert.Equal(7, tasks[0].Priority);
        Assert.Equal("job-1", tasks[0].Gang);
        Assert.Equal(1, tasks[0].Fpga);
        Assert.Equal(2000, tasks[0].NetworkMbps);
        Assert.True(tasks[0].Preemptible);
        Assert.Equal("eu-1", tasks[0].NodeSelector["zone"]);
        Assert.Equal(new TaskRequest { Name = "b", CpuMilli = 1000, MemoryMiB = 1024 }.Request, tasks[1].Request);
        Assert.Equal(5, tasks[1].Priority);
        Assert.False(tasks[1].Preemptible);
        Assert.Null(tasks[1].Gang);
    }

    public static TheoryData<string, int, string> MalformedFiles => new()
    {
        { "name,cpu_milli,memory_mib,num_gpu\np,1,1,0\n", 1, "gpu_milli" },
        { "name,cpu_milli,memory_mib,num_gpu,gpu_milli,weight\np,1,1,0,0,3\n", 1, "weight" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn,1,1,0,\n", 1, "sn" },
        { Header + "p,1000,1024,1,460,,LS,Running,0,1,0\nq,1000,1024,one,460,,LS,Running,0,1,0\n", 3, "num_gpu" },
        { Header + "p,1000,1024,-1,460,,LS,Running,0,1,0\n", 2, "num_gpu" },
        { Header + "p,1000,1024,1,lots,,LS,Running,0,1,0\n", 2, "gpu_milli" },
        { Header + "p,1000,1024,0,lots,,LS,Running,0,1,0\n", 2, "gpu_milli" },
        { Header + "p,,1024,1,460,,LS,Running,0,1,0\n", 2, "cpu_milli" },
        { Header + "p,1000,1e400,1,460,,LS,Running,0,1,0\n", 2, "memory_mib" },
        { Header + "p,1000,1024,1,460,,LS,Running\n", 2, "creation_time" },
        { Header + "p,1000,1024,1,460,,LS,Running,0,1,0\np,1000,1024,1,460,,LS,Running,0,1,0\n", 3, "name" },
        { "name,cpu_milli,memory_mib,num_gpu,gpu_milli,priority\np,1,1,0,0,10\n", 2, "priority" },
        { "name,cpu_milli,memory_mib,num_gpu,gpu_milli,preemptible\np,1,1,0,0,maybe\n", 2, "preemptible" },
        { "name,cpu_milli,memory_mib,num_gpu,gpu_milli,node_selector\np,1,1,0,0,=x\n", 2, "node_selector" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedLine_NamesFileLineAndField(string text, int line, string field)
    {
        var error = Assert.Throws<TraceFormatException>(() => Parse(text));

        Assert.Equal("tasks.csv", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
    }

    private static IReadOnlyList<TaskRequest> Parse(string text) => OpenbPodReader.Read(new StringReader(text), "tasks.csv");
}
