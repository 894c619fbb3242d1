using System.Text.Json;
using Lepton.Simulation.Traces;

namespace Lepton.Cli.Tests;

/// <summary>Runs <c>lepton simulate jobs</c> on the published traces as they are, and on jobs that can never run.</summary>
public sealed class SimulateTraceFormatsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-formats-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Traces => TraceDirectory.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("no shared/traces folder above the test assembly");

    [Fact]
    public void Jobs_OpenbPodListOverTime_RunsAndReportsPodsThatNeverRan()
    {
        var json = Path.Combine(_dir, "openb.json");

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", Path.Combine(Traces, "openb", "openb_node_list_gpu_node.csv"),
            "--jobs", Path.Combine(Traces, "openb", "openb_pod_list_default.csv"), "--policy", "fgd", "--json", json);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("read 7255 jobs (openb)", run.Stdout);
        Assert.Contains("897 rows never ran", run.Stdout);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(7255, document.RootElement.GetProperty("jobs").GetInt32());
    }

    [Theory]
    [InlineData("300:300:300", "gavel")]
    [InlineData("msr/cluster_specs_heterogeneous.json", "bestfit")]
    [InlineData("v100:16/4,p100:16/4,k80:16/4", "gavel-cost")]
    public void Jobs_GavelTrace_RunsOnClusterSpec(string cluster, string policy)
    {
        var spec = cluster.EndsWith(".json", StringComparison.Ordinal) ? Path.Combine(Traces, "gavel", cluster) : cluster;

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", spec, "--jobs", Path.Combine(Traces, "gavel", "msr", "seed0", "0e4a51.trace"),
            "--policy", policy);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("read 1181 jobs (gavel)", run.Stdout);
        Assert.Contains("1181 of 1181", run.Stdout);
    }

    [Fact]
    public void Jobs_DlrmSample_ReportsCensoredInstances()
    {
        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", "examples/alibaba-dlrm/nodes.csv",
            "--jobs", Path.Combine(Traces, "alibaba-v2025", "sample.csv"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("read 500 jobs (alibaba-dlrm)", run.Stdout);
        Assert.Contains("censored: 204 jobs", run.Stdout);
    }

    [Fact]
    public void Jobs_ModelNoNodeHas_Exit1NamingJobUnlessAllowed()
    {
        var cluster = Path.Combine(_dir, "cluster.yaml");
        File.WriteAllText(cluster, "nodes:\n  - name: n1\n    cpu: 8\n    memory: 32Gi\n    gpus: {count: 4, model: V100}\n");
        var jobs = Path.Combine(_dir, "jobs.csv");
        File.WriteAllText(jobs, "name,duration,num_gpu,gpu_spec\nlower,1h,1,v100\nwrong,1h,1,A100\n");

        var refused = LeptonProcess.Run("simulate", "jobs", "--cluster", cluster, "--jobs", jobs);
        var allowed = LeptonProcess.Run("simulate", "jobs", "--cluster", cluster, "--jobs", jobs, "--allow-unschedulable");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("job 'wrong' (line 3) can never run", refused.Stderr);
        Assert.Contains("A100", refused.Stderr);
        Assert.DoesNotContain("'lower'", refused.Stderr);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        Assert.Contains("1 of 2", allowed.Stdout);
    }

    [Fact]
    public void Jobs_UnknownFormat_Exit1NamingTheOption()
    {
        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", "examples/jobs/longest-first/cluster.yaml",
            "--jobs", "examples/jobs/longest-first/jobs.csv", "--format", "parquet");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--format", run.Stderr);
        Assert.Contains("alibaba-dlrm", run.Stderr);
    }
}
