using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>Seeded synthetic clusters and tasks drawn from the openb shapes, for benchmarks and load tests.</summary>
/// <remarks>
/// Node shapes and their frequencies are the openb GPU-node census (FGD-SPEC §1.1); task shapes are the 35 typical
/// tasks of openb <c>default</c> (Appendix A) plus its multi-GPU shapes, weighted by their counts. Memory per task is
/// not part of the published shapes, so it is set to 2 MiB per millicore (about 2 GiB per core).
/// </remarks>
public static class SyntheticWorkload
{
    private static readonly (long Cpu, long Mem, int Gpus, string Model, int Count)[] NodeShapes =
    [
        (96000, 393216, 8, "G2", 549), (104000, 524288, 2, "T4", 387), (16000, 122880, 2, "P100", 107),
        (128000, 786432, 8, "G3", 39), (32000, 131072, 4, "V100M16", 28), (64000, 262144, 2, "P100", 22),
        (96000, 786432, 8, "V100M32", 21), (8000, 32768, 1, "V100M16", 19), (96000, 393216, 4, "T4", 17),
        (48000, 376832, 4, "V100M32", 9), (64000, 262144, 8, "V100M16", 7), (8000, 61440, 1, "P100", 3),
        (8000, 61440, 2, "P100", 2), (128000, 1048576, 1, "A10", 2), (82000, 344064, 8, "V100M16", 1),
    ];

    private static readonly (long Cpu, int G, int N, int Count)[] TaskShapes =
    [
        (3152, 810, 1, 1047), (11300, 1000, 1, 874), (11400, 1000, 1, 599), (3152, 1000, 1, 470), (11908, 470, 1, 388),
        (12500, 0, 0, 366), (8000, 470, 1, 360), (12000, 1000, 1, 326), (32000, 0, 0, 290), (18708, 1000, 1, 255),
        (11908, 650, 1, 237), (4000, 320, 1, 232), (9810, 1000, 1, 195), (8000, 0, 0, 185), (8000, 1000, 1, 164),
        (4000, 1000, 1, 159), (15700, 1000, 1, 158), (11908, 1000, 1, 153), (16000, 1000, 1, 150), (4000, 230, 1, 122),
        (15400, 0, 0, 120), (6000, 460, 1, 120), (16500, 0, 0, 95), (14200, 1000, 1, 93), (24200, 1000, 1, 84),
        (3152, 590, 1, 75), (8000, 320, 1, 72), (4152, 550, 1, 72), (11900, 1000, 1, 55), (4000, 160, 1, 54),
        (4152, 370, 1, 45), (4000, 220, 1, 43), (8200, 1000, 1, 41), (15200, 1000, 1, 36), (4152, 810, 1, 31),
        (32000, 1000, 2, 30), (64000, 1000, 4, 25), (88000, 1000, 8, 20),
    ];

    /// <summary><paramref name="count"/> nodes whose shapes are drawn with the openb frequencies.</summary>
    public static IReadOnlyList<NodeSpec> Nodes(int count, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var total = NodeShapes.Sum(s => s.Count);
        var nodes = new NodeSpec[count];
        for (var i = 0; i < count; i++)
        {
            var s = Draw(NodeShapes, random.Next(total), static s => s.Count);
            nodes[i] = new NodeSpec { Name = $"node-{i:D5}", CpuMilli = s.Cpu, MemoryMiB = s.Mem, GpuCount = s.Gpus, GpuModel = s.Model };
        }

        return nodes;
    }

    /// <summary><paramref name="count"/> tasks whose shapes are drawn with the openb <c>default</c> frequencies.</summary>
    public static IReadOnlyList<TaskRequest> Tasks(int count, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var total = TaskShapes.Sum(s => s.Count);
        var tasks = new TaskRequest[count];
        for (var i = 0; i < count; i++)
        {
            var s = Draw(TaskShapes, random.Next(total), static s => s.Count);
            tasks[i] = new TaskRequest { Name = $"task-{i:D6}", CpuMilli = s.Cpu, MemoryMiB = s.Cpu * 2, GpuCount = s.N, GpuMilliPerGpu = s.G };
        }

        return tasks;
    }

    private static T Draw<T>(T[] shapes, int ticket, Func<T, int> weight)
    {
        foreach (var s in shapes)
        {
            ticket -= weight(s);
            if (ticket < 0)
            {
                return s;
            }
        }

        return shapes[^1];
    }
}
