using System.CommandLine;
using Lepton.Core.Placement;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton policies</c>: lists the placement policies, one line each.</summary>
internal sealed class PoliciesCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print name and description of each policy as JSON." };
        var command = new Command("policies", "List the placement policies.") { json };
        command.SetAction(parse =>
        {
            if (parse.GetValue(json))
            {
                Output.Terminal.WriteJson(PolicyRegistry.All.Select(p => new Output.PolicyView(p.Name, p.Description)).ToList());
                return 0;
            }

            var width = PolicyRegistry.All.Max(p => p.Name.Length);
            foreach (var policy in PolicyRegistry.All)
            {
                Console.Out.WriteLine($"{policy.Name.PadRight(width)}  {policy.Description}");
            }

            return 0;
        });
        return command;
    }
}
