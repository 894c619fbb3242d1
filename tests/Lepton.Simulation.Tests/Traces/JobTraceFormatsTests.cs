using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class JobTraceFormatsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lepton-formats-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("t.csv", "name,arrival,duration\na,0,1h\n", JobTraceFormats.LeptonCsv)]
    [InlineData("t.yaml", "jobs: []\n", JobTraceFormats.LeptonYaml)]
    [InlineData("t.txt", "jobs:\n  - name: a\n", JobTraceFormats.LeptonYaml)]
    [InlineData("t.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n", JobTraceFormats.Openb)]
    [InlineData("t.csv", "instance_sn,role,app_name,cpu_request,max_instance_per_node\n", JobTraceFormats.AlibabaDlrm)]
    [InlineData("t.txt", "A3C\tcmd\t-n\t1\t100\t0\t1\n", JobTraceFormats.Gavel)]
    [InlineData("t.trace", "", JobTraceFormats.Gavel)]
    public void Detect_Header_Format(string name, string content, string expected)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);

        Assert.Equal(expected, JobTraceFormats.Detect(path));
    }

    [Fact]
    public void Detect_OpenbListWithoutTimes_ExplainsWhy()
    {
        var path = Path.Combine(_directory, "pods.csv");
        File.WriteAllText(path, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n");

        var e = Assert.Throws<TraceFormatException>(() => JobTraceFormats.Detect(path));

        Assert.Equal("creation_time", e.Field);
    }
}
