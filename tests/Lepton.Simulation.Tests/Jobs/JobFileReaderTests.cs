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
}
