using System.CommandLine;

namespace Lepton.Cli.Commands;

/// <summary>Builds the <c>lepton</c> root command from every <see cref="ICliCommand"/> in this assembly.</summary>
internal static class CommandCatalog
{
    /// <summary>The root command with all discovered subcommands, sorted by name.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Lepton: a scheduler and control plane for AI compute clusters.");
        var commands = typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
