using Lepton.Client.Specs;

namespace Lepton.Client.Tests.Specs;

public sealed class JobSpecReaderTests
{
    private const string DesignExample = """
        name: train-resnet
        replicas: 2              # a gang: placed all or nothing
        priority: 7
        preemptible: false
        resources:
          cpu: 4
          memory: 16Gi
          gpu: 1
          gpuModels: [V100M32, A100]
          fpga: 0
          network: 2Gbps
        command: ["python", "train.py", "--epochs", "10"]
        env: {DATASET: imagenet}
        maxRetries: 2
        """;

    [Fact]
    public void Read_DesignExample_MapsEveryField()
    {
        var job = JobSpecReader.Read(DesignExample, "train.yaml");

        Assert.Equal("train-resnet", job.Name);
        Assert.Equal(2, job.Replicas);
        Assert.Equal(7, job.Priority);
        Assert.False(job.Preemptible);
        Assert.Equal(2, job.MaxRetries);
        Assert.Equal(["python", "train.py", "--epochs", "10"], job.Command);
        Assert.Equal("imagenet", job.Env["DATASET"]);
        Assert.Equal(4000, job.Resources.CpuMilli);
        Assert.Equal(16384, job.Resources.MemoryMiB);
        Assert.Equal(1, job.Resources.Gpu);
        Assert.Equal(0, job.Resources.GpuMilli);
        Assert.Equal(["V100M32", "A100"], job.Resources.GpuModels);
        Assert.Equal(2000, job.Resources.NetworkMbps);
    }

    [Fact]
    public void Read_MinimalSpec_UsesDefaults()
    {
        var job = JobSpecReader.Read("name: hello\nresources: {cpu: 500m, memory: 64Mi}\ncommand: echo hi\n", "hello.yaml");

        Assert.Equal(1, job.Replicas);
        Assert.Equal(5, job.Priority);
        Assert.Equal(0, job.MaxRetries);
        Assert.Null(job.Resources.GpuModels);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], job.Command);
        Assert.Empty(job.Env);
    }

    [Theory]
    [InlineData("value: 250", 250.0)]
    [InlineData("value: 12.5", 12.5)]
    [InlineData("", null)]
    public void Read_Value_RevenueTheJobBringsOrNull(string line, double? expected)
    {
        var job = JobSpecReader.Read($"name: a\n{line}\nresources: {{cpu: 1}}\ncommand: [x]\n", "job.yaml");

        Assert.Equal(expected, job.Value);
    }

    [Theory]
    [InlineData("0.5", 500)]
    [InlineData("0.25", 250)]
    [InlineData("0.0001", 1)]
    [InlineData("0.9999", 999)]
    public void Read_GpuFraction_BecomesGpuMilli(string fraction, int expectedMilli)
    {
        var job = JobSpecReader.Read($"name: share\nresources: {{cpu: 1, memory: 1Gi, gpuFraction: {fraction}}}\ncommand: [true]\n", "share.yaml");

        Assert.Equal(0, job.Resources.Gpu);
        Assert.Equal(expectedMilli, job.Resources.GpuMilli);
    }

    [Theory]
    [InlineData("name: a\nresources:\n  cpu: 1\n  memory: 16GB\ncommand: [x]\n", 4, "resources.memory", "invalid memory quantity '16GB'")]
    [InlineData("name: a\nresources:\n  cpu: lots\ncommand: [x]\n", 3, "resources.cpu", "invalid cpu quantity 'lots'")]
    [InlineData("name: a\npriority: 12\nresources: {cpu: 1}\ncommand: [x]\n", 2, "priority", "out of range; expected 1..9")]
    [InlineData("name: a\nreplicas: 0\nresources: {cpu: 1}\ncommand: [x]\n", 2, "replicas", "out of range")]
    [InlineData("name: a\nresources:\n  cpu: 1\n  gpus: 2\ncommand: [x]\n", 4, "resources.gpus", "did you mean 'gpu'")]
    [InlineData("name: a\nresources: {cpu: 1}\ncommand: [x]\ncolour: red\n", 4, "colour", "unknown field")]
    [InlineData("name: a\nresources:\n  cpu: -2\ncommand: [x]\n", 3, "resources.cpu", "must not be negative")]
    [InlineData("name: a\nresources:\n  cpu: 100000000\ncommand: [x]\n", 3, "resources.cpu", "100000000 is out of range; expected at most 10000 cores")]
    [InlineData("name: a\nresources:\n  cpu: 1\n  memory: 5000Ti\ncommand: [x]\n", 4, "resources.memory", "5000Ti is out of range; expected at most 1024Ti")]
    [InlineData("name: a\nresources: {cpu: 1}\n", 1, "command", "is required")]
    [InlineData("resources: {cpu: 1}\ncommand: [x]\n", 1, "name", "is required")]
    [InlineData("name: a\ncommand: [x]\n", 1, "resources", "is required")]
    [InlineData("name: a\npreemptible: maybe\nresources: {cpu: 1}\ncommand: [x]\n", 2, "preemptible", "not true or false")]
    [InlineData("name: a\nresources:\n  gpu: 1\n  gpuFraction: 0.5\ncommand: [x]\n", 4, "resources.gpuFraction", "not both")]
    [InlineData("name: a\nresources:\n  gpuFraction: 1.5\ncommand: [x]\n", 3, "resources.gpuFraction", "between 0 and 1")]
    [InlineData("name: a\nresources: {cpu: 1}\ncommand: []\n", 3, "command", "must name a program")]
    [InlineData("name: [a, b]\nresources: {cpu: 1}\ncommand: [x]\n", 1, "name", "expected a single value")]
    [InlineData("name: a\nresources: {cpu: 1}\ncommand: [x]\nenv:\n  A: 1\n  B: [1, 2]\n", 6, "env.B", "expected a single value")]
    [InlineData("name: a\nresources: {cpu: 1, network: fast}\ncommand: [x]\n", 2, "resources.network", "invalid network quantity 'fast'")]
    [InlineData("name: a\nvalue: -5\nresources: {cpu: 1}\ncommand: [x]\n", 2, "value", "must be an amount")]
    [InlineData("name: a\nvalue: lots\nresources: {cpu: 1}\ncommand: [x]\n", 2, "value", "must be an amount")]
    [InlineData("name: a\nvalue: 1e13\nresources: {cpu: 1}\ncommand: [x]\n", 2, "value", "must be an amount")]
    public void Read_BadField_NamesFileLineAndField(string yaml, int line, string field, string problem)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.Read(yaml, "job.yaml"));

        Assert.Equal("job.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"job.yaml:{line}: {field}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidYaml_NamesLine()
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.Read("name: a\nresources: {cpu: 1\ncommand: [x]\n", "bad.yaml"));

        Assert.Equal("bad.yaml", error.File);
        Assert.True(error.Line >= 2, $"line {error.Line}");
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void Read_EmptyFile_SaysSo(string yaml)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.Read(yaml, "empty.yaml"));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ScalarDocument_AsksForAMapping()
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.Read("just a string\n", "s.yaml"));

        Assert.Contains("mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_NamesFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lepton-missing-{Guid.NewGuid():N}.yaml");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.ReadFile(path));

        Assert.Equal($"{path}: file not found", error.Message);
    }

    [Fact]
    public void ReadFile_ExampleSpecs_AllParse()
    {
        var examples = FindExamplesFolder();
        var files = Directory.GetFiles(examples, "*.yaml");
        Assert.NotEmpty(files);

        foreach (var file in files)
        {
            var job = JobSpecReader.ReadFile(file);
            Assert.False(string.IsNullOrEmpty(job.Name), file);
            Assert.NotEmpty(job.Command);
        }
    }

    private static string FindExamplesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", "jobs-spec");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("examples/jobs-spec not found above the test assembly");
    }

    [Fact]
    public void Read_RdmaAndMaxPerNode_InResources()
    {
        var job = JobSpecReader.Read("name: svc\nreplicas: 4\nmaxPerNode: 2\nresources: {cpu: 8, memory: 40Gi, gpu: 1, rdma: 0.25}\ncommand: [serve]\n", "svc.yaml");

        Assert.Equal((250L, 2), (job.Resources.RdmaMilli, job.Resources.MaxPerNode));
    }

    [Theory]
    [InlineData("name: a\nmaxPerNode: -1\nresources: {cpu: 1}\ncommand: [x]\n", 2, "maxPerNode")]
    [InlineData("name: a\nresources: {cpu: 1, rdma: fast}\ncommand: [x]\n", 2, "resources.rdma")]
    public void Read_BadConstraint_NamesLineAndField(string yaml, int line, string field)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecReader.Read(yaml, "job.yaml"));

        Assert.Equal((line, field), (e.Line, e.Field));
    }
}
