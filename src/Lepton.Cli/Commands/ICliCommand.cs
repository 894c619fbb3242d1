using System.CommandLine;

namespace Lepton.Cli.Commands;

/// <summary>One top-level <c>lepton</c> command; every implementation in this assembly is registered at start-up.</summary>
/// <remarks>Discovery by reflection keeps each command in its own file: adding a command never edits a shared list.</remarks>
internal interface ICliCommand
{
    /// <summary>Builds the System.CommandLine command, with its options and action.</summary>
    Command Build();
}
