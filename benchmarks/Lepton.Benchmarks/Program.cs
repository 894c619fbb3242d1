using BenchmarkDotNet.Running;

namespace Lepton.Benchmarks;

/// <summary>Runs the BenchmarkDotNet benchmarks: <c>dotnet run -c Release --project benchmarks/Lepton.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point; arguments go to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
