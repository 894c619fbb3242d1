using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class ClusterSpecReaderTests
{
    [Fact]
    public void Parse_GavelTriple_V100P100K80OneGpuPerNode()
    {
        var nodes = ClusterSpecReader.Parse("300:300:300");

        Assert.Equal(900, nodes.Count);
        Assert.Equal(("v100-0", "v100", 1, 2.48), (nodes[0].Name, nodes[0].GpuModel, nodes[0].GpuCount, nodes[0].PricePerHour));
        Assert.Equal(300, nodes.Count(n => n.GpuModel == "k80"));
    }

    [Fact]
    public void Parse_PerNodeAndPrice_SplitsIntoNodes()
    {
        var nodes = ClusterSpecReader.Parse("A100:20/8@3.5, k80:2");

        Assert.Equal([8, 8, 4, 1, 1], nodes.Select(n => n.GpuCount));
        Assert.Equal(8 * 3.5, nodes[0].PricePerHour, 9);
        Assert.Equal(0.45, nodes[^1].PricePerHour, 9);
    }

    [Fact]
    public void ReadJson_GavelHeterogeneousSpec_NineHundredGpus()
    {
        var nodes = NodeFileReader.ReadCluster(Path.Combine(SharedTraces.Root, "gavel", "msr", "cluster_specs_heterogeneous.json"));

        Assert.Equal(900, nodes.Sum(n => n.GpuCount));
    }

    [Theory]
    [InlineData("v100")]
    [InlineData("v100:many")]
    [InlineData("v100:8/0")]
    [InlineData("v100:8,v100:4")]
    [InlineData("v100:8@cheap")]
    [InlineData("v100:0")]
    public void Parse_Malformed_Throws(string spec)
    {
        var e = Assert.ThrowsAny<FormatException>(() => ClusterSpecReader.Parse(spec));

        Assert.Contains(spec.Split(',')[0].Split(':')[0], e.Message);
    }

    [Theory]
    [InlineData("300:300:300", true)]
    [InlineData("v100:16/4,p100:16/4@1.5", true)]
    [InlineData("cluster.yaml", false)]
    [InlineData("examples/cluster.yaml", false)]
    [InlineData("/tmp/nodes.csv", false)]
    public void LooksLikeSpec_FileNamesAreNot(string text, bool expected) => Assert.Equal(expected, ClusterSpecReader.LooksLikeSpec(text));
}
