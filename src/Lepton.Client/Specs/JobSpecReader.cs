using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Core.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lepton.Client.Specs;

/// <summary>Reads the YAML job spec that <c>lepton job submit -f</c> takes into a <see cref="JobSubmission"/>.</summary>
/// <remarks>
/// The reader walks YamlDotNet's representation model rather than deserialising into a class, because every error must
/// name the file, the line and the field, and unknown fields must be refused (a typo such as <c>gpus:</c> must not
/// silently ask for no GPU). Quantities go through Core's <see cref="Quantity"/>, the one parser every Lepton file format
/// shares (a plain memory number is MiB, a plain network number Mbps). <c>command</c> is an argv list, or a
/// single string run by <c>/bin/sh -c</c>.
/// </remarks>
public static partial class JobSpecReader
{
    /// <summary>The largest job spec file (or stdin) read: 4 MiB.</summary>
    public const int MaxSpecBytes = 4 << 20;

    // The server's limits (Lepton.Server's JobSubmissionValidator), in the API's units.
    private const long MaxCpuMilli = 10_000_000;
    private const long MaxMemoryMiB = 1L << 30;
    private const long MaxNetworkMbps = 10_000_000;
    private const long MaxRdmaMilli = 64_000;
    private const double MaxValue = 1e12;

    private static readonly string[] TopLevelFields =
        ["name", "replicas", "priority", "preemptible", "maxPerNode", "resources", "command", "env", "maxRetries", "value", "topology", "data", "latency"];

    private static readonly string[] ResourceFields =
        ["cpu", "memory", "gpu", "gpuFraction", "gpuModels", "fpga", "network", "rdma"];

    /// <summary>Reads the spec in <paramref name="path"/>.</summary>
    /// <exception cref="JobSpecException">The file is missing, not YAML, or a field is missing or wrong.</exception>
    public static JobSubmission ReadFile(string path)
    {
        string text;
        try
        {
            // A job spec is one small document; a huge file is a mistake (or not a spec) and must not be parsed whole.
            var length = new FileInfo(path).Length;
            if (length > MaxSpecBytes)
            {
                throw new JobSpecException(path, 0, "", $"the file is {length / (1 << 20):N0} MiB; a job spec may be at most {MaxSpecBytes >> 20} MiB");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException(path, 0, "", e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message, e);
        }

        return Read(text, path);
    }

    /// <summary>Reads a spec from YAML text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="JobSpecException">The text is not YAML, or a field is missing or wrong.</exception>
    public static JobSubmission Read(string yaml, string source)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new JobSpecException(source, (int)e.Start.Line, "", $"not valid YAML: {InnermostMessage(e)}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (not a YamlException) on some unterminated flow collections;
            // the last event the parser produced is the closest position we have.
            var line = (int)(parser.Current?.End.Line ?? 0);
            throw new JobSpecException(source, line, "", "not valid YAML: an unclosed [ ] or { } or quote near here", e);
        }

        if (stream.Documents.Count == 0)
        {
            throw new JobSpecException(source, 0, "", "the file is empty; a job spec needs at least name, resources and command");
        }

        if (stream.Documents.Count > 1)
        {
            throw new JobSpecException(source, (int)stream.Documents[1].RootNode.Start.Line, "", "one job per file; found a second YAML document");
        }

        var spec = new SpecFile(source);
        var root = spec.Mapping(stream.Documents[0].RootNode, "");
        spec.RefuseUnknown(root, "", TopLevelFields);

        var name = spec.RequiredString(root, "name");
        var replicas = spec.OptionalInt(root, "replicas", 1, min: 1, max: 10_000);
        var priority = spec.OptionalInt(root, "priority", 5, min: 1, max: 9);
        var preemptible = spec.OptionalBool(root, "preemptible", false);
        var maxRetries = spec.OptionalInt(root, "maxRetries", 0, min: 0, max: 100);
        var command = spec.Command(root);
        var env = spec.Env(root);
        var resources = spec.Resources(root);
        // Anti-affinity reads like replicas (a property of the gang), but travels with the per-replica request in the API.
        resources.MaxPerNode = spec.OptionalInt(root, "maxPerNode", 0, min: 0, max: 10_000);
        spec.Placement(root, resources);

        return new JobSubmission
        {
            Name = name,
            Replicas = replicas,
            Priority = priority,
            Preemptible = preemptible,
            MaxRetries = maxRetries,
            Value = spec.OptionalMoney(root, "value", MaxValue),
            Command = command,
            Env = env,
            Resources = resources,
        };
    }

    private static string InnermostMessage(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    /// <summary>One file being read: turns node problems into <see cref="JobSpecException"/> with its name and the node's line.</summary>
    private sealed partial class SpecFile(string source)
    {
        public JobSpecException Error(YamlNode node, string field, string problem) =>
            new(source, (int)node.Start.Line, field, problem);

        public YamlMappingNode Mapping(YamlNode node, string field) =>
            node as YamlMappingNode
            ?? throw Error(node, field, field.Length == 0 ? "a job spec is a mapping of fields (name: ..., resources: ...)" : "expected a mapping of fields");

        public void RefuseUnknown(YamlMappingNode map, string prefix, string[] known)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(name, StringComparer.Ordinal))
                {
                    var close = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(k + "s", name, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(k, name + "s", StringComparison.OrdinalIgnoreCase));
                    var hint = close is not null ? $"; did you mean '{close}'?" : $"; expected one of {string.Join(", ", known)}";
                    throw Error(key, Path(prefix, name), $"unknown field{hint}");
                }
            }
        }

        public string RequiredString(YamlMappingNode map, string field)
        {
            if (!TryGet(map, field, out var node))
            {
                throw Error(map, field, "is required");
            }

            var value = Scalar(node, field);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw Error(node, field, "must not be empty");
            }

            return value;
        }

        public int OptionalInt(YamlMappingNode map, string field, int fallback, int min, int max, string prefix = "")
        {
            if (!TryGet(map, field, out var node))
            {
                return fallback;
            }

            var path = Path(prefix, field);
            var text = Scalar(node, path);
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Error(node, path, $"'{text}' is not a whole number");
            }

            if (value < min || value > max)
            {
                throw Error(node, path, $"{value} is out of range; expected {min}..{max}");
            }

            return value;
        }

        /// <summary>An optional amount of money: a finite number from 0 to <paramref name="max"/>.</summary>
        public double? OptionalMoney(YamlMappingNode map, string field, double max)
        {
            if (!TryGet(map, field, out var node))
            {
                return null;
            }

            var text = Scalar(node, field);
            if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value) || value > max)
            {
                throw Error(node, field, $"'{text}' must be an amount from 0 to {max:0}, such as 250 or 12.5");
            }

            return value;
        }

        public bool OptionalBool(YamlMappingNode map, string field, bool fallback)
        {
            if (!TryGet(map, field, out var node))
            {
                return fallback;
            }

            return Scalar(node, field).ToLowerInvariant() switch
            {
                "true" or "yes" => true,
                "false" or "no" => false,
                var other => throw Error(node, field, $"'{other}' is not true or false"),
            };
        }

        public IReadOnlyList<string> Command(YamlMappingNode map)
        {
            if (!TryGet(map, "command", out var node))
            {
                throw Error(map, "command", "is required (an argv list such as [\"python\", \"train.py\"], or one shell line)");
            }

            if (node is YamlScalarNode scalar)
            {
                if (string.IsNullOrWhiteSpace(scalar.Value))
                {
                    throw Error(node, "command", "must not be empty");
                }

                return ["/bin/sh", "-c", scalar.Value];
            }

            if (node is not YamlSequenceNode sequence)
            {
                throw Error(node, "command", "expected a list of arguments or one shell line");
            }

            var argv = new List<string>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                argv.Add(Scalar(sequence.Children[i], $"command[{i}]"));
            }

            if (argv.Count == 0 || argv[0].Length == 0)
            {
                throw Error(node, "command", "must name a program to run");
            }

            return argv;
        }

        public IReadOnlyDictionary<string, string> Env(YamlMappingNode map)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!TryGet(map, "env", out var node) || IsNull(node))
            {
                return env;
            }

            foreach (var (key, value) in Mapping(node, "env").Children)
            {
                var name = Scalar(key, "env");
                if (name.Length == 0 || name.Contains('='))
                {
                    throw Error(key, "env", $"'{name}' is not a valid environment variable name");
                }

                env[name] = Scalar(value, $"env.{name}");
            }

            return env;
        }

        public JobResources Resources(YamlMappingNode root)
        {
            if (!TryGet(root, "resources", out var node))
            {
                throw Error(root, "resources", "is required (at least cpu and memory per replica)");
            }

            var map = Mapping(node, "resources");
            RefuseUnknown(map, "resources", ResourceFields);

            // The bounds are the server's (JobSubmissionValidator), checked here too so that an absurd value keeps its
            // file:line and is told in the unit the user wrote, not refused later by the server in millicores.
            var cpuMilli = ParseQuantity(map, "cpu", Quantity.ParseCpuMilli, MaxCpuMilli, "10000 cores");
            var memoryMiB = ParseQuantity(map, "memory", Quantity.ParseMemoryMiB, MaxMemoryMiB, "1024Ti");
            var networkMbps = ParseQuantity(map, "network", Quantity.ParseNetworkMbps, MaxNetworkMbps, "10000Gbps");
            var rdmaMilli = ParseQuantity(map, "rdma", Quantity.ParseRdmaMilli, MaxRdmaMilli, "64 NICs");
            var gpu = OptionalInt(map, "gpu", 0, min: 0, max: 1024, prefix: "resources");
            var fpga = OptionalInt(map, "fpga", 0, min: 0, max: 1024, prefix: "resources");
            var gpuMilli = GpuFraction(map, gpu);
            var models = GpuModels(map);

            return new JobResources
            {
                CpuMilli = cpuMilli,
                MemoryMiB = memoryMiB,
                Gpu = gpu,
                GpuMilli = gpuMilli,
                GpuModels = models,
                Fpga = fpga,
                NetworkMbps = networkMbps,
                RdmaMilli = rdmaMilli,
            };
        }

        private long ParseQuantity(YamlMappingNode map, string field, Func<string, long> parse, long max, string maxInUserUnits)
        {
            if (!TryGet(map, field, out var node))
            {
                return 0;
            }

            var path = $"resources.{field}";
            var text = Scalar(node, path);
            long value;
            try
            {
                value = parse(text);
            }
            catch (FormatException e)
            {
                throw Error(node, path, e.Message);
            }
            catch (OverflowException)
            {
                throw Error(node, path, $"{text} is out of range; expected at most {maxInUserUnits}");
            }

            return value <= max ? value : throw Error(node, path, $"{text} is out of range; expected at most {maxInUserUnits}");
        }

        private int GpuFraction(YamlMappingNode map, int gpu)
        {
            if (!TryGet(map, "gpuFraction", out var node))
            {
                return 0;
            }

            const string path = "resources.gpuFraction";
            var text = Scalar(node, path);
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fraction)
                || fraction <= 0m || fraction >= 1m)
            {
                throw Error(node, path, $"'{text}' must be a share of one GPU between 0 and 1, such as 0.5 (use gpu: N for whole GPUs)");
            }

            if (gpu > 0)
            {
                throw Error(node, path, "give either gpu (whole GPUs) or gpuFraction (a share of one GPU), not both");
            }

            // Rounded to the nearest milli-GPU but never to 0: a share that small still needs a GPU.
            return (int)Math.Clamp(decimal.Round(fraction * 1000m, MidpointRounding.AwayFromZero), 1m, 999m);
        }

        private IReadOnlyList<string>? GpuModels(YamlMappingNode map)
        {
            if (!TryGet(map, "gpuModels", out var node) || IsNull(node))
            {
                return null;
            }

            const string path = "resources.gpuModels";
            if (node is YamlScalarNode)
            {
                return [NonEmpty(node, path)];
            }

            if (node is not YamlSequenceNode sequence)
            {
                throw Error(node, path, "expected a list of GPU models such as [A100, V100M32]");
            }

            var models = new List<string>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                models.Add(NonEmpty(sequence.Children[i], $"{path}[{i}]"));
            }

            return models;
        }

        private string NonEmpty(YamlNode node, string path)
        {
            var value = Scalar(node, path);
            return value.Length > 0 ? value : throw Error(node, path, "must not be empty");
        }

        private string Scalar(YamlNode node, string path) =>
            node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Error(node, path, "expected a single value, not a list or mapping");

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" };

        private static bool TryGet(YamlMappingNode map, string field, [NotNullWhen(true)] out YamlNode? node)
        {
            foreach (var (key, value) in map.Children)
            {
                if (key is YamlScalarNode { Value: var name } && name == field)
                {
                    node = value;
                    return true;
                }
            }

            node = null;
            return false;
        }

        private static string Path(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";
    }
}
