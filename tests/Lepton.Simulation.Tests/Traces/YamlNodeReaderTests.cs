using Lepton.Core.Cluster;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class YamlNodeReaderTests
{
    [Fact]
    public void Read_FullNode_FillsEveryField()
    {
        var nodes = Parse("""
            nodes:
              - name: gpu-1
                cpu: 96
                memory: 384Gi
                gpus: {count: 8, model: A100}
                fpga: 2
                network: 25Gbps
                labels: {zone: eu-1, tier: cloud}
                pricePerHour: 12.5
                idleWatts: 300
                peakWatts: 3000
                state: draining
              - name: small
                cpu: 500m
            """);

        Assert.Equal(2, nodes.Count);
        var node = nodes[0];
        Assert.Equal("gpu-1", node.Name);
        Assert.Equal(96_000, node.CpuMilli);
        Assert.Equal(384 * 1024, node.MemoryMiB);
        Assert.Equal(8, node.GpuCount);
        Assert.Equal("A100", node.GpuModel);
        Assert.Equal(2, node.Fpga);
        Assert.Equal(25_000, node.NetworkMbps);
        Assert.Equal("eu-1", node.Labels["zone"]);
        Assert.Equal("cloud", node.Labels["tier"]);
        Assert.Equal(12.5, node.PricePerHour);
        Assert.Equal(300, node.IdleWatts);
        Assert.Equal(3000, node.PeakWatts);
        Assert.Equal(NodeState.Draining, node.State);
        var small = new NodeSpec { Name = "small", CpuMilli = 500 };
        Assert.Equal(small, nodes[1] with { Labels = small.Labels });
        Assert.Empty(nodes[1].Labels);
        Assert.Equal(0, nodes[1].GpuCount);
        Assert.Equal("", nodes[1].GpuModel);
        Assert.Equal(NodeState.Ready, nodes[1].State);
    }

    [Fact]
    public void Read_BareListAndSeveralDocuments_ReadsAllInOrder()
    {
        var nodes = Parse("""
            - {name: a, cpu: 1}
            ---
            nodes:
              - {name: b, cpu: 2}
            """);

        Assert.Equal(["a", "b"], nodes.Select(n => n.Name));
    }

    public static TheoryData<string, int, string, string> MalformedFiles => new()
    {
        { "", 1, "nodes", "no nodes" },
        { "nodes: 3\n", 1, "nodes", "list of nodes" },
        { "workers:\n  - name: a\n", 1, "nodes", "top-level 'nodes:'" },
        { "nodes:\n  - name: a\n    cpus: 4\n", 3, "cpus", "unknown field" },
        { "nodes:\n  - name: a\n    memory: 16GB\n", 3, "memory", "invalid memory quantity '16GB'" },
        { "nodes:\n  - name: a\n    cpu: four\n", 3, "cpu", "invalid cpu quantity 'four'" },
        { "nodes:\n  - name: a\n    network: 10G\n", 3, "network", "unknown suffix 'G'" },
        { "nodes:\n  - cpu: 4\n", 2, "name", "is required" },
        { "nodes:\n  - name: a\n  - name: a\n", 3, "name", "appears twice (first on line 2)" },
        { "nodes:\n  - name: a\n    gpus: {count: 8, modle: A100}\n", 3, "gpus.modle", "unknown field" },
        { "nodes:\n  - name: a\n    gpus: {count: -1, model: A100}\n", 3, "gpus.count", "out of range" },
        { "nodes:\n  - name: a\n    gpus: 8\n", 3, "gpus", "expected a mapping" },
        { "nodes:\n  - name: a\n    labels: [a, b]\n", 3, "labels", "expected a mapping" },
        { "nodes:\n  - name: a\n    state: Sleeping\n", 3, "state", "not a node state" },
        { "nodes:\n  - name: a\n    pricePerHour: -1\n", 3, "pricePerHour", "negative" },
        { "nodes:\n  - name: a\n    fpga: 1.5\n", 3, "fpga", "not a whole number" },
        { "nodes:\n  - name: a\n    cpu: [1, 2]\n", 3, "cpu", "single value" },
        { "nodes:\n  - name: a\n     cpu: 4\n", 3, "yaml", "invalid YAML" },
        { "nodes:\n  - name: a\n  - just-a-string\n", 3, "entry", "expected a mapping" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedFile_NamesFileLineAndField(string text, int line, string field, string problem)
    {
        var error = Assert.Throws<TraceFormatException>(() => Parse(text));

        Assert.Equal("nodes.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
    }

    private static IReadOnlyList<NodeSpec> Parse(string text) => YamlNodeReader.Read(new StringReader(text), "nodes.yaml");
}
