using System.CommandLine;
using System.Reflection;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton version</c>: prints the Lepton version.</summary>
internal sealed class VersionCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var command = new Command("version", "Print the Lepton version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"lepton {version}");
            return 0;
        });
        return command;
    }
}
