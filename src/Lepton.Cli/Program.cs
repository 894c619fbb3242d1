using System.CommandLine;
using Lepton.Cli.Commands;

namespace Lepton.Cli;

/// <summary>Entry point of the <c>lepton</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line, runs the command and maps errors to exit codes (0 ok, 1 error, 2 usage).</summary>
    public static async Task<int> Main(string[] args)
    {
        var root = CommandCatalog.BuildRoot();
        // A bare 'lepton' is someone finding their way: show the commands rather than an error.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {ParseErrorText.Rewrite(error.Message)}");
            }

            await Console.Error.WriteLineAsync("Run 'lepton --help' for usage.");
            return 2;
        }

        try
        {
            // Our own handler below turns CliError into one line; anything else is a bug and keeps its trace.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliError e)
        {
            await Console.Error.WriteLineAsync($"error: {Output.PrintableText.Of(e.Message)}");
            return e.ExitCode;
        }
    }
}
