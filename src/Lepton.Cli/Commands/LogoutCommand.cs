using System.CommandLine;
using Lepton.Cli.Connection;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton logout</c>: forgets the server and token <c>lepton login</c> saved.</summary>
internal sealed class LogoutCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var command = new Command("logout", "Forget the server and token 'lepton login' saved (LEPTON_SERVER / LEPTON_TOKEN and ./.lepton are untouched).");
        command.SetAction(_ =>
        {
            var path = CliConfig.DefaultPath();
            if (!File.Exists(path))
            {
                Console.WriteLine($"Not logged in (no {path}).");
                return 0;
            }

            var config = CliConfig.Load(path);
            File.Delete(path);
            Console.WriteLine($"Logged out of {config?.Server ?? "the saved server"}; removed {path}");
            if (LocalTokenFiles.LocalClusterExists())
            {
                Console.WriteLine($"Commands here still use {CliConnection.LocalSource}.");
            }

            return 0;
        });
        return command;
    }
}
