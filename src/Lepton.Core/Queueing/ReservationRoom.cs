using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>EASY backfill's bookkeeping for one cycle: the head job's reservation and, on each node it reserves, the room
/// that will be left beside it at the reserved time (the "extra" capacity later jobs may use without delaying it).</summary>
/// <remarks>
/// A job placed now cannot delay the reservation when (a) its declared duration ends it by the reserved time, or (b)
/// every replica it puts on a reserved node fits in that node's extra room (per resource and per GPU). Room taken under
/// (b) is subtracted, so two backfilled jobs cannot both count on the same room. Replicas on nodes the reservation does
/// not use never interfere with it.
/// </remarks>
internal sealed class ReservationRoom
{
    private readonly Dictionary<int, NodeRoom> _rooms;

    private ReservationRoom(Reservation reservation, Dictionary<int, NodeRoom> rooms)
    {
        Reservation = reservation;
        _rooms = rooms;
    }

    /// <summary>The head job's reservation.</summary>
    public Reservation Reservation { get; }

    /// <summary>Nodes the reservation uses.</summary>
    public IEnumerable<int> Nodes => _rooms.Keys;

    /// <summary>Reads the room beside the head's placement on the cluster as it will be at the reserved time (the head
    /// allocated there now, by the caller).</summary>
    public static ReservationRoom Capture(ClusterState future, Reservation reservation)
    {
        var rooms = new Dictionary<int, NodeRoom>();
        foreach (var p in reservation.Placements)
        {
            if (!rooms.ContainsKey(p.Node))
            {
                var gpus = new int[future.NodeAt(p.Node).GpuCount];
                for (var g = 0; g < gpus.Length; g++)
                {
                    gpus[g] = future.GpuFreeMilli(p.Node, g);
                }

                rooms[p.Node] = new NodeRoom(future.Free(p.Node), future.Capacity(p.Node).NetworkMbps > 0, gpus);
            }
        }

        return new ReservationRoom(reservation, rooms);
    }

    /// <summary>Whether a job placed now at <paramref name="placements"/> leaves the reservation intact; if so, takes the
    /// room it needs at the reserved time.</summary>
    public bool Admit(IReadOnlyList<TaskRequest> replicas, TimeSpan? duration, IReadOnlyList<NodePlacement> placements)
    {
        if (Reservation.StartsIn is { } startsIn && duration is { } d && d <= startsIn)
        {
            return true;
        }

        Dictionary<int, NodeRoom>? trial = null;
        for (var i = 0; i < replicas.Count; i++)
        {
            var node = placements[i].Node;
            if (!_rooms.ContainsKey(node))
            {
                continue;
            }

            trial ??= [];
            if (!trial.TryGetValue(node, out var room))
            {
                var current = _rooms[node];
                room = current with { GpuFree = (int[])current.GpuFree.Clone() };
            }

            var task = replicas[i];
            var left = room.Free - new ResourceVector(task.CpuMilli, task.MemoryMiB, 0, task.Fpga, room.HasNetwork ? task.NetworkMbps : 0);
            if (left.CpuMilli < 0 || left.MemoryMiB < 0 || left.Fpga < 0 || left.NetworkMbps < 0)
            {
                return false;
            }

            var milli = ClusterState.EffectiveGpuMilli(task);
            foreach (var g in placements[i].Gpus)
            {
                room.GpuFree[g] -= milli;
                if (room.GpuFree[g] < 0)
                {
                    return false;
                }
            }

            trial[node] = room with { Free = left };
        }

        if (trial is not null)
        {
            foreach (var (node, room) in trial)
            {
                _rooms[node] = room;
            }
        }

        return true;
    }

    /// <summary>Room on one reserved node at the reserved time.</summary>
    private sealed record NodeRoom(ResourceVector Free, bool HasNetwork, int[] GpuFree);
}
