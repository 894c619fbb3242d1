using System.CommandLine;

namespace Lepton.Cli.Commands;

/// <summary>One <c>lepton bench</c> subcommand (a quick benchmark run); implementations are discovered like <see cref="ICliCommand"/>.</summary>
internal interface IBenchSubcommand
{
    /// <summary>Builds the subcommand, e.g. <c>place</c> or <c>api</c>.</summary>
    Command Build();
}

/// <summary><c>lepton bench</c>: quick benchmark runs that print numbers (BenchmarkDotNet lives in benchmarks/).</summary>
internal sealed class BenchCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var bench = new Command("bench", "Quick benchmark runs: placement throughput, API load.");
        var subcommands = typeof(BenchCommand).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchSubcommand).IsAssignableFrom(t))
            .Select(t => ((IBenchSubcommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var command in subcommands)
        {
            bench.Subcommands.Add(command);
        }

        return bench;
    }
}
