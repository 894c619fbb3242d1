using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

public sealed class YamlTaskReaderTests
{
    [Fact]
    public void Read_FullTask_FillsEveryField()
    {
        var task = Assert.Single(Parse("""
            tasks:
              - name: train
                priority: 7
                preemptible: true
                resources:
                  cpu: 4
                  memory: 16Gi
                  gpu: 2
                  gpuModels: [V100M32, A100]
                  fpga: 1
                  network: 2Gbps
                nodeSelector: {zone: eu-1}
            """));

        Assert.Equal("train", task.Name);
        Assert.Equal(7, task.Priority);
        Assert.True(task.Preemptible);
        Assert.Equal(4000, task.CpuMilli);
        Assert.Equal(16384, task.MemoryMiB);
        Assert.Equal(2, task.GpuCount);
        Assert.Equal(1000, task.GpuMilliPerGpu);
        Assert.Equal(["V100M32", "A100"], task.GpuModels);
        Assert.Equal(1, task.Fpga);
        Assert.Equal(2000, task.NetworkMbps);
        Assert.Equal("eu-1", task.NodeSelector["zone"]);
        Assert.Null(task.Gang);
    }

    [Fact]
    public void Read_Replicas_ExpandToAGangSharingItsId()
    {
        var tasks = Parse("""
            tasks:
              - name: train
                replicas: 3
                resources: {cpu: 1, gpuFraction: 0.5}
              - name: serve
            """);

        Assert.Equal(["train-0", "train-1", "train-2", "serve"], tasks.Select(t => t.Name));
        Assert.All(tasks.Take(3), t => Assert.Equal("train", t.Gang));
        Assert.All(tasks.Take(3), t => Assert.Equal((1, 500), (t.GpuCount, t.GpuMilliPerGpu)));
        Assert.Null(tasks[3].Gang);
        Assert.Equal(5, tasks[3].Priority);
        Assert.Equal(0, tasks[3].GpuCount);
    }

    [Fact]
    public void Read_JobSpecDocument_IsOneEntry()
    {
        var tasks = Parse("""
            name: train-resnet
            replicas: 2
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
            """);

        Assert.Equal(["train-resnet-0", "train-resnet-1"], tasks.Select(t => t.Name));
        Assert.All(tasks, t => Assert.Equal(4000, t.CpuMilli));
    }

    public static TheoryData<string, int, string, string> MalformedFiles => new()
    {
        { "tasks:\n  - name: a\n    resources: {cpu: 1, gpu: 1, gpuFraction: 0.5}\n", 3, "resources.gpuFraction", "not both" },
        { "tasks:\n  - name: a\n    resources:\n      gpu: 0.5\n", 4, "resources.gpu", "use gpuFraction" },
        { "tasks:\n  - name: a\n    resources:\n      gpuFraction: 1.5\n", 4, "resources.gpuFraction", "share of one GPU" },
        { "tasks:\n  - name: a\n    resources:\n      gpuFraction: 0.0001\n", 4, "resources.gpuFraction", "share of one GPU" },
        { "tasks:\n  - name: a\n    resources:\n      gpuModels: [T4]\n", 4, "resources.gpuModels", "no gpu" },
        { "tasks:\n  - name: a\n    resources:\n      memroy: 1Gi\n", 4, "resources.memroy", "unknown field" },
        { "tasks:\n  - name: a\n    resources:\n      memory: 1GB\n", 4, "resources.memory", "invalid memory quantity" },
        { "tasks:\n  - name: a\n    resources:\n      network: fast\n", 4, "resources.network", "invalid network quantity" },
        { "tasks:\n  - name: a\n    priority: 10\n", 3, "priority", "1..9" },
        { "tasks:\n  - name: a\n    replicas: 0\n", 3, "replicas", "out of range" },
        { "tasks:\n  - name: a\n    preemptible: maybe\n", 3, "preemptible", "not a boolean" },
        { "tasks:\n  - name: a\n    gpu: 1\n", 3, "gpu", "unknown field" },
        { "tasks:\n  - name: a\n    replicas: 2\n  - name: a-1\n", 4, "name", "appears twice" },
        { "tasks:\n  - name: a\n    nodeSelector: {zone: [a]}\n", 3, "nodeSelector", "plain values" },
        { "tasks:\n  - name: a\n    resources: {cpu: 1\n", 4, "yaml", "invalid YAML" },
        { "tasks:\n  - name: ''\n", 2, "name", "must not be empty" },
        { "# a node file\nnodes:\n  - name: a\n", 2, "tasks", "expected a top-level 'tasks:' list, found 'nodes:'" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedFile_NamesFileLineAndField(string text, int line, string field, string problem)
    {
        var error = Assert.Throws<TraceFormatException>(() => Parse(text));

        Assert.Equal("tasks.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
    }

    private static IReadOnlyList<TaskRequest> Parse(string text) => YamlTaskReader.Read(new StringReader(text), "tasks.yaml");
}
