using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class TaskFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-traces-").FullName;

    [Theory]
    [InlineData("tasks.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,1,500\n")]
    [InlineData("tasks.yaml", "tasks:\n  - {name: p, resources: {cpu: 1, memory: 1Gi, gpuFraction: 0.5}}\n")]
    [InlineData("tasks.yml", "- {name: p, resources: {cpu: 1, memory: 1Gi, gpuFraction: 0.5}}\n")]
    [InlineData("tasks.txt", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,1,500\n")]
    [InlineData("tasks", "tasks:\n  - {name: p, resources: {cpu: 1, memory: 1Gi, gpuFraction: 0.5}}\n")]
    public void Read_EitherFormat_GivesTheSameTask(string fileName, string text)
    {
        var path = Path.Combine(_dir, fileName);
        File.WriteAllText(path, text);

        var task = Assert.Single(TaskFileReader.Read(path));

        Assert.Equal(("p", 1000L, 1024L, 1, 500), (task.Name, task.CpuMilli, task.MemoryMiB, task.GpuCount, task.GpuMilliPerGpu));
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        var path = Path.Combine(_dir, "nope.csv");

        var error = Assert.Throws<FileNotFoundException>(() => TaskFileReader.Read(path));

        Assert.Equal($"task file '{path}' not found", error.Message);
    }

    [Fact]
    public void Read_NodeFileGivenAsTasks_SaysItIsANodeList()
    {
        var path = Path.Combine(_dir, "nodes.csv");
        File.WriteAllText(path, "sn,cpu_milli,memory_mib,gpu,model\nn,1000,1024,1,T4\n");

        var error = Assert.Throws<TraceFormatException>(() => TaskFileReader.Read(path));

        Assert.Contains("node list", error.Message);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void NodeFileReader_YamlAndCsv_GiveTheSameNode()
    {
        var csv = Path.Combine(_dir, "nodes.csv");
        var yaml = Path.Combine(_dir, "nodes.yaml");
        File.WriteAllText(csv, "sn,cpu_milli,memory_mib,gpu,model,network_mbps\nn,8000,16384,2,T4,10000\n");
        File.WriteAllText(yaml, "nodes:\n  - {name: n, cpu: 8, memory: 16Gi, gpus: {count: 2, model: T4}, network: 10Gbps}\n");

        var fromCsv = Assert.Single(NodeFileReader.Read(csv));
        var fromYaml = Assert.Single(NodeFileReader.Read(yaml));

        Assert.Equal(fromCsv with { Labels = fromYaml.Labels }, fromYaml);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
