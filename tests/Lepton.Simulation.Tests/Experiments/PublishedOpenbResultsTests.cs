using Lepton.Simulation.Experiments;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class PublishedOpenbResultsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lepton-published-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_SyntheticFile_MedianIsMeanOfMiddleTwoAndNamesAreShortened()
    {
        File.WriteAllText(Path.Combine(_directory, "analysis_allo_discrete.csv"), """
            workload,sc_policy,tune,seed,total_gpus,0,1,2
            openb_pod_list_default,05-BestFit,1.3,42,6212,0.1,1.0,2.0
            openb_pod_list_default,05-BestFit,1.3,43,6212,0.2,3.0,2.0
            openb_pod_list_default,05-BestFit,1.3,44,6212,0.3,5.0,
            openb_pod_list_default,05-BestFit,1.3,45,6212,0.4,9.0,2.0
            openb_pod_list_default,06-FGD,1.3,42,6212,0.5,7.0,2.0
            """);

        var results = PublishedOpenbResults.Load(_directory);

        var at1 = results.At(PublishedMetric.Allocation, "default", "bestfit", 1);
        Assert.Equal(new Statistics(4.0, 1.0, 9.0, 4), at1);
        Assert.Equal(3, results.At(PublishedMetric.Allocation, "default", "bestfit", 2)?.Count);
        Assert.Equal(7.0, results.At(PublishedMetric.Allocation, "default", "fgd", 1)?.Median);
        Assert.Null(results.At(PublishedMetric.Allocation, "default", "random", 1));
        Assert.Null(results.At(PublishedMetric.Fragmentation, "default", "bestfit", 1));
    }

    [Fact]
    public void Load_BadNumber_NamesFileLineAndColumn()
    {
        var path = Path.Combine(_directory, "analysis_frag_discrete.csv");
        File.WriteAllText(path, "workload,sc_policy,tune,seed,0,1\nopenb_pod_list_default,06-FGD,1.3,42,0.5,abc\n");

        var error = Assert.Throws<TraceFormatException>(() => PublishedOpenbResults.Load(_directory));

        Assert.Equal((path, 2, "1"), (error.File, error.Line, error.Field));
    }

    [Fact]
    public void Load_SharedPublishedFiles_HoldTenSeedsForEveryPublishedCell()
    {
        var results = PublishedOpenbResults.Load(OpenbCatalog.PublishedDirectory(SharedTraces.Root));

        foreach (var trace in OpenbCatalog.PublishedWorkloads)
        {
            foreach (var policy in OpenbCatalog.PublishedPolicies)
            {
                foreach (var metric in Enum.GetValues<PublishedMetric>())
                {
                    Assert.Equal(10, results.At(metric, trace, policy, 100)?.Count);
                }
            }
        }
    }

    [Theory]
    [InlineData("01-Random", "random")]
    [InlineData("03-GpuClustering", "gpuclustering")]
    [InlineData("06-FGD", "fgd")]
    [InlineData("BestFit", "bestfit")]
    public void PolicyName_PublishedDirectoryName_IsLeptonName(string published, string expected) =>
        Assert.Equal(expected, OpenbCatalog.PolicyName(published));

    [Theory]
    [InlineData("openb_pod_list_gpushare40", "gpushare40")]
    [InlineData("/x/y/openb_pod_list_default.csv", "default")]
    [InlineData("mytrace.csv", "mytrace")]
    public void WorkloadName_FileOrPublishedName_IsShortName(string input, string expected) =>
        Assert.Equal(expected, OpenbCatalog.WorkloadName(input));
}
