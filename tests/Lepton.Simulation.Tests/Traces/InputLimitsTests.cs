using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Traces;

/// <summary>Huge inputs are refused at once with one line, never read until memory or patience runs out. The big files
/// are sparse (their size is set, not written), so the tests take no disk and no time.</summary>
public sealed class InputLimitsTests : IDisposable
{
    private const long TenGiB = 10L << 30;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-limits-" + Guid.NewGuid().ToString("N"));

    public InputLimitsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, Action<string>> Readers => new()
    {
        { "pods.csv", path => OpenbPodReader.Read(path) },
        { "nodes.csv", path => OpenbNodeReader.Read(path) },
        { "tasks.yaml", path => YamlTaskReader.Read(path) },
        { "nodes.yaml", path => YamlNodeReader.Read(path) },
        { "jobs.yaml", path => JobFileReader.Read(path) },
        { "jobs.csv", path => JobFileReader.Read(path) },
        { "tasks", path => TaskFileReader.Read(path) }, // no extension: the format is guessed from the first bytes only
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public void Read_TenGiBSparseFile_RefusedWithSizesInOneLine(string name, Action<string> read)
    {
        var path = Sparse(name, TenGiB);

        var error = Assert.Throws<TraceFormatException>(() => read(path));

        Assert.Equal($"{path}: size: the file is 10 GiB; Lepton reads {(name.EndsWith(".csv", StringComparison.Ordinal) ? "CSV files of up to 1 GiB" : "YAML files of up to 64 MiB")}", error.Message);
    }

    [Fact]
    public void Read_CsvLineWithoutBreaks_RefusedAtTheLimitNotReadWhole()
    {
        // Under the size limit, but one endless line (a binary or a file of zeros).
        var path = Sparse("pods.csv", 64L << 20);

        var error = Assert.Throws<TraceFormatException>(() => OpenbPodReader.Read(path));

        Assert.StartsWith($"{path}:1: line: longer than 1,048,576 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvWithCrLfAndNoFinalNewline_SameRecordsAsReadLine()
    {
        var path = Path.Combine(_directory, "nodes.csv");
        File.WriteAllText(path, "sn,cpu_milli,memory_mib,gpu,model\r\n\r\na,1000,1024,0,nan\r\nb,2000,2048,1,T4");

        var nodes = OpenbNodeReader.Read(path);

        Assert.Equal(["a", "b"], nodes.Select(n => n.Name));
        Assert.Equal("T4", nodes[1].GpuModel);
    }

    private string Sparse(string name, long length)
    {
        var path = Path.Combine(_directory, name);
        using var file = new FileStream(path, FileMode.CreateNew);
        file.SetLength(length);
        return path;
    }
}
