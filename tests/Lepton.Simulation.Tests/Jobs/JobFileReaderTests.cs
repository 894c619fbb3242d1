using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Jobs;

public sealed class JobFileReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lepton-jobs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Read_Yaml_ParsesTimesResourcesGangAndCost()
    {
        var path = Write("jobs.yaml", """
            jobs:
              - name: train
                arrival: 90m
                duration: 2.5h
                cost: 12.5
                replicas: 2
                priority: 7
                resources: {cpu: 4, memory: 16Gi, gpuFraction: 0.5, gpuModels: [A100]}
              - name: etl
                duration: 600
            """);

        var jobs = JobFileReader.Read(path);

        Assert.Equal(2, jobs.Count);
        var train = jobs[0];
        Assert.Equal((TimeSpan.FromMinutes(90), TimeSpan.FromHours(2.5), 12.5), (train.Arrival, train.Duration, train.Cost!.Value));
        Assert.Equal(["train-0", "train-1"], train.Replicas.Select(r => r.Name));
        Assert.All(train.Replicas, r => Assert.Equal(("train", 4000L, 16384L, 1, 500, 7), (r.Gang, r.CpuMilli, r.MemoryMiB, r.GpuCount, r.GpuMilliPerGpu, r.Priority)));
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromMinutes(10), (double?)null), (jobs[1].Arrival, jobs[1].Duration, jobs[1].Cost));
    }

    [Fact]
    public void Read_Csv_ParsesColumns()
    {
        var path = Write("jobs.csv", "name,arrival,duration,cost,replicas,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\nj1,1h,30m,3,1,2000,4096,1,250,V100M16|V100M32\nj2,0,2h,,2,8000,1024,2,,\n");

        var jobs = JobFileReader.Read(path);

        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromMinutes(30), 3.0), (jobs[0].Arrival, jobs[0].Duration, jobs[0].Cost!.Value));
        Assert.Equal((1, 250), (jobs[0].Replicas[0].GpuCount, jobs[0].Replicas[0].GpuMilliPerGpu));
        Assert.Equal(["V100M16", "V100M32"], jobs[0].Replicas[0].GpuModels);
        Assert.Equal(2, jobs[1].Replicas.Count);
        Assert.Equal((2, 1000), (jobs[1].Replicas[0].GpuCount, jobs[1].Replicas[0].GpuMilliPerGpu));
        Assert.Null(jobs[1].Cost);
    }

    [Theory]
    [InlineData("jobs.yaml", "jobs:\n  - name: a\n    duration: 2h\n  - name: b\n    duration: soon\n", 5, "duration")]
    [InlineData("jobs.yaml", "jobs:\n  - name: a\n    arrival: 1h\n", 2, "duration")]
    [InlineData("jobs.yaml", "jobs:\n  - name: a\n    duration: 1h\n    colour: red\n", 4, "colour")]
    [InlineData("jobs.csv", "name,duration,cpu_milli\na,1h,100\nb,1h,lots\n", 3, "cpu_milli")]
    [InlineData("jobs.csv", "name,duration\na,1h\na,2h\n", 3, "name")]
    [InlineData("jobs.csv", "name,arrival\na,1h\n", 1, "duration")]
    public void Read_BadInput_ErrorNamesFileLineAndField(string file, string content, int line, string field)
    {
        var path = Write(file, content);

        var error = Assert.Throws<TraceFormatException>(() => JobFileReader.Read(path));

        Assert.Equal((path, line, field), (error.File, error.Line, error.Field));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2.5h", 9000)]
    [InlineData("1d", 86400)]
    [InlineData("42", 42)]
    public void TryParse_Units_Seconds(string text, double seconds)
    {
        Assert.True(SimulatedDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1h")]
    [InlineData("2 weeks")]
    public void TryParse_Invalid_False(string text) => Assert.False(SimulatedDuration.TryParse(text, out _));

    [Theory]
    [InlineData("2.67754e+06", 2677540)]
    [InlineData("1E3s", 1000)]
    [InlineData("1.5e1m", 900)]
    public void TryParse_ScientificNotation_Seconds(string text, double seconds)
    {
        Assert.True(SimulatedDuration.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Fact]
    public void Read_CsvConstraintColumnsAndDurationsPerModel()
    {
        var path = Write("jobs.csv", "name,duration,replicas,num_gpu,network_mbps,rdma_milli,max_per_node,app,node_selector,fpga,preemptible,duration_V100,duration_k80\n"
            + "j1,3h,2,1,500,250,1,svc,zone=a;tier=edge,1,true,1h,3h\n");

        var job = JobFileReader.Read(path)[0];

        var r = job.Replicas[0];
        Assert.Equal((500L, 250L, 1, "svc", 1, true), (r.NetworkMbps, r.RdmaMilli, r.MaxPerNode, r.App, r.Fpga, r.Preemptible));
        Assert.Equal("edge", r.NodeSelector["tier"]);
        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(3)), (job.DurationOn("v100"), job.DurationOn("K80"), job.DurationOn("T4")));
        Assert.True(r.GpuModelThroughput["V100"] > r.GpuModelThroughput["K80"]);
    }

    [Fact]
    public void Read_YamlConstraintsAndDurationsPerModel()
    {
        var path = Write("jobs.yaml", """
            jobs:
              - name: svc
                duration: 2h
                durationByModel: {V100: 30m, p100: 1h}
                replicas: 3
                maxPerNode: 2
                app: recsys
                resources: {cpu: 2, gpu: 1, rdma: 0.25, network: 1Gbps}
            """);

        var job = JobFileReader.Read(path)[0];

        Assert.All(job.Replicas, r => Assert.Equal((2, "recsys", 250L, 1000L), (r.MaxPerNode, r.App, r.RdmaMilli, r.NetworkMbps)));
        Assert.Equal((TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2)), (job.DurationOn("v100"), job.DurationOn("P100"), job.DurationOn(null)));
    }

    [Fact]
    public void ReadTrace_FormatGiven_OverridesGuess()
    {
        var path = Write("pods.txt", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np,1,1,0,0,,LS,Running,0,10,0\n");

        var trace = JobFileReader.ReadTrace(path, new JobTraceOptions { Format = "openb" });

        Assert.Equal((JobTraceFormats.Openb, 1), (trace.Format, trace.Jobs.Count));
        var e = Assert.Throws<TraceFormatException>(() => JobFileReader.ReadTrace(path, new JobTraceOptions { Format = "parquet" }));
        Assert.Equal("--format", e.Field);
    }
}
