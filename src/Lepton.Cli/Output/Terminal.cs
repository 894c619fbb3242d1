using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client;
using Spectre.Console;

namespace Lepton.Cli.Output;

/// <summary>Where the user-facing commands write: a Spectre.Console console for tables, plain stdout for JSON.</summary>
internal static class Terminal
{
    /// <summary>The API's JSON settings, plus the CLI's own read models, with quotes and apostrophes left as they are
    /// (the default encoder writes <c>'</c> as <c>\u0027</c>, which is safe in HTML but only noise in a terminal).</summary>
    private static readonly JsonSerializerOptions Json = new(LeptonJson.Indented)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(LeptonJson.Indented.TypeInfoResolver, CliJsonContext.Default),
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // a latency with no sample is NaN
    };

    /// <summary>A console on stdout; when stdout is not a terminal (a pipe, a file, a test) tables get a wide fixed width instead of 80 columns.</summary>
    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // Piped output: tables are laid out 240 wide, so cut the padding every row would carry to that width.
            Out = new AnsiConsoleOutput(Console.IsOutputRedirected ? new TrailingSpaceTrimmer(Console.Out) : Console.Out),
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 240;
        }

        return console;
    }

    /// <summary>Writes <paramref name="value"/> as indented JSON in the API's own shape, for <c>--json</c>.</summary>
    public static void WriteJson<T>(T value)
        where T : notnull
    {
        // The runtime type (List<NodeView>, not IReadOnlyList<NodeView>) is the one the source-generated contexts know.
        Console.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Json));
        Console.Out.Flush();
    }

    /// <summary>A table in the house style: simple rules, bold headers, no title.</summary>
    public static Table NewTable(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple).BorderColor(Color.Grey);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(header)}[/]")).NoWrap());
        }

        return table;
    }
}
