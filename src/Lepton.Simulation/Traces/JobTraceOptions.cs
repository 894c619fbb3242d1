namespace Lepton.Simulation.Traces;

/// <summary>How to read a job trace: its format (null: guessed from the file) and files some formats need.</summary>
public sealed record JobTraceOptions
{
    /// <summary>A format name from <see cref="JobTraceFormats.All"/>, or null to guess it from the extension and header.</summary>
    public string? Format { get; init; }

    /// <summary>Gavel's <c>simulation_throughputs.json</c>; null: looked for next to the trace and up to three folders above.</summary>
    public string? ThroughputsPath { get; init; }
}
