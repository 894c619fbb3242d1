using Lepton.Core.Cluster;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class OpenbNodeReaderTests
{
    private static string OpenbFile(string name) => Path.Combine(TraceDirectory.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("this test reads the public traces; " + TraceDirectory.MissingMessage), "openb", name);

    [Fact]
    public void Read_OpenbGpuNodeList_Has1213NodesAnd6212Gpus()
    {
        var nodes = OpenbNodeReader.Read(OpenbFile("openb_node_list_gpu_node.csv"));

        Assert.Equal(1213, nodes.Count);
        Assert.Equal(6212, nodes.Sum(n => n.GpuCount));
        Assert.All(nodes, n => Assert.NotEqual("", n.GpuModel));
        var byModel = nodes.GroupBy(n => n.GpuModel).ToDictionary(g => g.Key, g => g.Sum(n => n.GpuCount));
        Assert.Equal(4392, byModel["G2"]);
        Assert.Equal(842, byModel["T4"]);
        Assert.Equal(312, byModel["G3"]);
        Assert.Equal(265, byModel["P100"]);
        Assert.Equal(204, byModel["V100M32"]);
        Assert.Equal(195, byModel["V100M16"]);
        Assert.Equal(2, byModel["A10"]);
        Assert.Equal(128000, nodes.Max(n => n.CpuMilli));
    }

    [Fact]
    public void Read_OpenbAllNodeList_EmptyModelIsCpuNode()
    {
        var nodes = OpenbNodeReader.Read(OpenbFile("openb_node_list_all_node.csv"));

        Assert.Equal(1523, nodes.Count);
        var cpuNodes = nodes.Where(n => n.GpuModel == "").ToList();
        Assert.Equal(310, cpuNodes.Count);
        Assert.All(cpuNodes, n => Assert.Equal(0, n.GpuCount));
        Assert.Equal(new NodeSpec { Name = "openb-node-0000", CpuMilli = 32000, MemoryMiB = 262144 }.Capacity, nodes[0].Capacity);
    }

    [Fact]
    public void Read_FirstOpenbRow_MapsEveryColumn()
    {
        var node = OpenbNodeReader.Read(OpenbFile("openb_node_list_gpu_node.csv"))[0];

        Assert.Equal("openb-node-0000", node.Name);
        Assert.Equal(64000, node.CpuMilli);
        Assert.Equal(262144, node.MemoryMiB);
        Assert.Equal(2, node.GpuCount);
        Assert.Equal("P100", node.GpuModel);
        Assert.Equal(NodeState.Ready, node.State);
    }

    [Fact]
    public void Read_NanModel_IsCpuNode()
    {
        var nodes = Parse("sn,cpu_milli,memory_mib,gpu,model,labels\nn1,1000,1024,0,nan,nan\nn2,1000,1024,0,,\n");

        Assert.All(nodes, n => Assert.Equal("", n.GpuModel));
        Assert.All(nodes, n => Assert.Empty(n.Labels));
    }

    [Fact]
    public void Read_ExtensionColumns_FillEveryNodeField()
    {
        var nodes = Parse(
            "name,cpu_milli,memory_mib,gpu,model,fpga,network_mbps,labels,price_per_hour,idle_watts,peak_watts,state\n" +
            "edge-1,8000,16384,1,T4,2,10000,zone=eu-1;tier=edge,1.25,80,300,Draining\n");

        var node = Assert.Single(nodes);
        Assert.Equal("edge-1", node.Name);
        Assert.Equal(2, node.Fpga);
        Assert.Equal(10000, node.NetworkMbps);
        Assert.Equal("eu-1", node.Labels["zone"]);
        Assert.Equal("edge", node.Labels["tier"]);
        Assert.Equal(1.25, node.PricePerHour);
        Assert.Equal(80, node.IdleWatts);
        Assert.Equal(300, node.PeakWatts);
        Assert.Equal(NodeState.Draining, node.State);
    }

    [Fact]
    public void Read_CrLfLineEndsAndNoFinalNewline_ParseTheSame()
    {
        var nodes = Parse("sn,cpu_milli,memory_mib,gpu,model\r\nn1,1000,1024,1,T4\r\n\r\nn2,2000,2048,2,A10");

        Assert.Equal(["T4", "A10"], nodes.Select(n => n.GpuModel));
        Assert.Equal(2048, nodes[1].MemoryMiB);
    }

    [Fact]
    public void Read_QuotedFieldsAndBlankLines_KeepLineNumbers()
    {
        var error = Assert.Throws<TraceFormatException>(() => Parse(
            "sn,cpu_milli,memory_mib,gpu,model,labels\n\n\"n,1\",1000,1024,0,,\"zone=a\"\nn2,x,1024,0,,\n"));

        Assert.Equal(4, error.Line);
        Assert.Equal("cpu_milli", error.Field);
        var nodes = Parse("sn,cpu_milli,memory_mib,gpu,model,labels\n\n\"n,1\",1000,1024,0,,\"zone=\"\"a\"\"\"\n");
        Assert.Equal("n,1", nodes[0].Name);
        Assert.Equal("\"a\"", nodes[0].Labels["zone"]);
    }

    public static TheoryData<string, int, string> MalformedFiles => new()
    {
        { "", 1, "header" },
        { "sn,cpu_milli,memory_mib,model\nn1,1,1,T4\n", 1, "gpu" },
        { "sn,cpu_milli,memory_mib,gpu,model,colour\nn1,1,1,1,T4,red\n", 1, "colour" },
        { "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,0,0\n", 1, "num_gpu" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,1,T4\nn2,abc,1024,1,T4\n", 3, "cpu_milli" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,-5,1,T4\n", 2, "memory_mib" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,1.5,T4\n", 2, "gpu" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,,T4\n", 2, "gpu" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,1\n", 2, "model" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,1,T4,extra\n", 2, "column 6" },
        { "sn,cpu_milli,memory_mib,gpu,model\nn1,1000,1024,1,T4\nn1,1000,1024,1,T4\n", 3, "sn" },
        { "sn,cpu_milli,memory_mib,gpu,model\n,1000,1024,1,T4\n", 2, "sn" },
        { "sn,cpu_milli,memory_mib,gpu,model,state\nn1,1000,1024,1,T4,Broken\n", 2, "state" },
        { "sn,cpu_milli,memory_mib,gpu,model,labels\nn1,1000,1024,1,T4,zone\n", 2, "labels" },
        { "sn,cpu_milli,memory_mib,gpu,model,price_per_hour\nn1,1000,1024,1,T4,cheap\n", 2, "price_per_hour" },
        { "sn,cpu_milli,memory_mib,gpu,model,labels\nn1,1000,1024,1,T4,\"zone=a\n", 2, "labels" },
        { "sn,cpu_milli,memory_mib,gpu,gpu\nn1,1000,1024,1,1\n", 1, "gpu" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedLine_NamesFileLineAndField(string text, int line, string field)
    {
        var error = Assert.Throws<TraceFormatException>(() => Parse(text));

        Assert.Equal("nodes.csv", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.StartsWith($"nodes.csv:{line}: {field}: ", error.Message);
    }

    private static IReadOnlyList<NodeSpec> Parse(string text) => OpenbNodeReader.Read(new StringReader(text), "nodes.csv");
}
