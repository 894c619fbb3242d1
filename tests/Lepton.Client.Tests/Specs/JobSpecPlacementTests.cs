using Lepton.Client.Specs;

namespace Lepton.Client.Tests.Specs;

public sealed class JobSpecPlacementTests
{
    [Fact]
    public void Read_TopologyDataLatency_MapsIntoResources()
    {
        var job = JobSpecReader.Read("""
            name: train
            replicas: 4
            resources: {cpu: 8, memory: 64Gi, gpu: 4}
            topology: {required: rack, nvlink: true}
            data: {name: imagenet, size: 500Gi, at: zone-a}
            latency: {users: eu, budgetMs: 20}
            command: [python, train.py]
            """, "train.yaml");

        Assert.Equal("rack", job.Resources.Topology!.Required);
        Assert.Null(job.Resources.Topology.Preferred);
        Assert.True(job.Resources.Topology.NvLink);
        Assert.Equal("imagenet", job.Resources.Data!.Name);
        Assert.Equal(500L * 1024, job.Resources.Data.SizeMiB);
        Assert.Equal("zone-a", job.Resources.Data.At);
        Assert.Equal("eu", job.Resources.Latency!.Users);
        Assert.Equal(20, job.Resources.Latency.BudgetMs);
    }

    [Fact]
    public void Read_NoPlacementFields_LeavesThemNull()
    {
        var job = JobSpecReader.Read("name: a\nresources: {cpu: 1}\ncommand: [x]\n", "a.yaml");

        Assert.Null(job.Resources.Topology);
        Assert.Null(job.Resources.Data);
        Assert.Null(job.Resources.Latency);
    }

    [Theory]
    [InlineData("topology: {required: rack, preferred: zone}\n", "topology", "not both")]
    [InlineData("topology: {}\n", "topology", "name a level")]
    [InlineData("topology: {Required: rack}\n", "topology.Required", "did you mean 'required'")]
    [InlineData("topology: {nvlink: maybe}\n", "topology.nvlink", "not true or false")]
    [InlineData("data: {name: d, at: z}\n", "data.size", "is required")]
    [InlineData("data: {name: d, size: lots, at: z}\n", "data.size", "not a size")]
    [InlineData("data: {name: d, size: 0Gi, at: z}\n", "data.size", "out of range")]
    [InlineData("data: {name: d, size: 1Gi}\n", "data.at", "is required")]
    [InlineData("latency: {users: eu, budgetMs: -5}\n", "latency.budgetMs", "above 0")]
    [InlineData("latency: {users: eu, budgetMs: NaN}\n", "latency.budgetMs", "above 0")]
    [InlineData("latency: {budgetMs: 20}\n", "latency.users", "is required")]
    public void Read_BadPlacementField_NamesTheField(string field, string name, string problem)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.Read("name: a\nresources: {cpu: 1}\ncommand: [x]\n" + field, "job.yaml"));

        Assert.Equal(name, error.Field);
        Assert.Equal(4, error.Line);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }
}
