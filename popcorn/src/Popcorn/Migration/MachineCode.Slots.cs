using System.Globalization;
using Popcorn.Emulation;
using Popcorn.Toolchain;

namespace Popcorn.Migration;

/// <summary>Bytes of a stack slot the code reads: <c>Size</c> bytes at <c>Offset</c> from the stack or frame pointer
/// (DWARF numbers, as they are in the function's body).</summary>
internal readonly record struct FrameSlot(int Base, long Offset, int Size) : IComparable<FrameSlot>
{
    /// <inheritdoc />
    public int CompareTo(FrameSlot other) => (Base, Offset, Size).CompareTo((other.Base, other.Offset, other.Size));
}

/// <summary>What the machine code reads after each call before writing it, by return address.</summary>
/// <param name="Registers">Live registers, a bit per DWARF number.</param>
/// <param name="Slots">Live stack slots.</param>
/// <param name="Stored">The stack slots the function's own instructions store to (through sp or fp), anywhere in it.</param>
/// <param name="MayRead">Asks again, for one return address and register found live, whether a path that the
/// function's branches allow reads the register before writing it (<c>MachineCode.Paths.cs</c>).</param>
internal sealed record MachineLiveness(Dictionary<ulong, UInt128> Registers, Dictionary<ulong, List<FrameSlot>> Slots, List<FrameSlot> Stored,
    Func<ulong, int, bool> MayRead);

/// <summary>
/// The stack-slot half of the safety net. Stack transformation builds each destination frame from nothing: it
/// copies the recorded allocations whole, writes each recorded value where the destination's stack map puts it and
/// fills the callee-saved registers' save slots; every other byte of the new frame is zero. So a slot the code after
/// a call reads before writing (a spill slot reloaded, a second spill copy a register allocator made of a value)
/// must lie inside a recorded allocation, a recorded value's slot or a save slot; otherwise the value it held
/// before the call is lost in a migration there.
/// </summary>
internal static partial class MachineCode
{
    /// <summary>Backward data flow over stack slots: a load from a constant offset off sp or fp makes its bytes live,
    /// a store over them (through the same base) ends the bytes it writes; an instruction that moves sp (or fp) ends
    /// everything addressed through it, since the code after it addresses the frame in other terms (epilogues).</summary>
    private static HashSet<FrameSlot>[] LiveSlots(Isa isa, List<Effects> steps, Dictionary<ulong, int> index)
    {
        var sp = StackPointer(isa);
        var fp = FramePointer(isa);
        var successors = new List<int>[steps.Count];
        var predecessors = new List<int>[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            predecessors[i] = [];
        }
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var next = new List<int>(2);
            if (step.Flow is ControlFlow.Next or ControlFlow.Call or ControlFlow.Branch && i + 1 < steps.Count)
            {
                next.Add(i + 1);
            }
            if (step.Flow is ControlFlow.Branch or ControlFlow.Jump && index.TryGetValue(step.Target, out var t))
            {
                next.Add(t);
            }
            successors[i] = next;
            foreach (var s in next)
            {
                predecessors[s].Add(i);
            }
        }
        var live = new HashSet<FrameSlot>[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            live[i] = [];
        }
        var work = new Stack<int>(Enumerable.Range(0, steps.Count));
        var queued = Enumerable.Repeat(true, steps.Count).ToArray();
        var incoming = new HashSet<FrameSlot>();
        while (work.Count > 0)
        {
            var i = work.Pop();
            queued[i] = false;
            var step = steps[i];
            var movesSp = (step.Writes & Bit(sp)) != 0 && step.Flow != ControlFlow.Call;
            var movesFp = (step.Writes & Bit(fp)) != 0 && step.Flow != ControlFlow.Call;
            incoming.Clear();
            foreach (var s in successors[i])
            {
                foreach (var slot in live[s])
                {
                    if (!(slot.Base == sp && movesSp || slot.Base == fp && movesFp))
                    {
                        AddUnwritten(step.Access, slot, incoming);
                    }
                }
            }
            if (step.Access is { IsLoad: true } load && (load.Base == sp || load.Base == fp))
            {
                // A load pair reads two slots, one per register, as two loads would.
                var lane = load.IsPair ? load.Bytes / 2 : load.Bytes;
                for (var at = 0; at < load.Bytes; at += lane)
                {
                    incoming.Add(new FrameSlot(load.Base, load.Offset + at, lane));
                }
            }
            if (!live[i].IsSupersetOf(incoming))
            {
                live[i].UnionWith(incoming);
                foreach (var p in predecessors[i].Where(p => !queued[p]))
                {
                    queued[p] = true;
                    work.Push(p);
                }
            }
        }
        return live;
    }

    /// <summary>Adds the bytes of <paramref name="slot"/> that the store <paramref name="access"/> (if it is one,
    /// through the same base) does not write: the slot, one piece of it or the two pieces around the store.</summary>
    private static void AddUnwritten(MemoryAccess access, FrameSlot slot, HashSet<FrameSlot> into)
    {
        var end = slot.Offset + slot.Size;
        var storeEnd = access.Offset + access.Bytes;
        if (access.IsLoad || access.Base != slot.Base || storeEnd <= slot.Offset || end <= access.Offset)
        {
            into.Add(slot);
            return;
        }
        if (slot.Offset < access.Offset)
        {
            into.Add(slot with { Size = (int)(access.Offset - slot.Offset) });
        }
        if (storeEnd < end)
        {
            into.Add(slot with { Offset = storeEnd, Size = (int)(end - storeEnd) });
        }
    }

    /// <summary>
    /// The live slots of a call site that stack transformation would not carry to the destination frame, named
    /// (<c>[sp+24]</c>); null when there are none. Only bytes the function itself stores to count: a slot no
    /// instruction of the function writes is filled by a callee through its address (riscv64's hidden slot for a
    /// returned aggregate, a backend temporary no IR allocation stands for), and is written again before it is read.
    /// A slot at or above the CFA is an incoming argument in the caller's frame, always missing.
    /// <paramref name="fpAboveSp"/> relates the frame pointer to the stack pointer in the body (null when the CFA is
    /// not fp-based: fp is then an ordinary register and what it addresses is no frame slot).
    /// </summary>
    public static string? UnrecordedLiveSlots(Isa isa, IEnumerable<FrameSlot> live, IReadOnlyList<FrameSlot> stored, FrameRule frame, ulong stackSize, long? fpAboveSp,
        IReadOnlyList<LiveValue> values)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var sp = StackPointer(isa);
        long? FromSp(int register, long offset) => register == sp ? offset : register == FramePointer(isa) && fpAboveSp is { } delta ? offset + delta : null;
        // What the transformer carries, as byte ranges from sp: save slots, allocations, values in slots.
        var carried = frame.Saved.Values.Select(offset => ((long)stackSize + offset, 8L)).ToList();
        foreach (var value in values)
        {
            var location = value.Location;
            var isAllocation = value.Kind == LiveValueKind.Alloca && location.Type == LocationType.Direct;
            if ((isAllocation || location.Type == LocationType.Indirect) && FromSp(location.Register, location.Offset) is { } from)
            {
                carried.Add((from, isAllocation || location.Size <= 0 ? value.Size : location.Size));
            }
        }
        var written = stored.Select(slot => (From: FromSp(slot.Base, slot.Offset), slot.Size)).Where(w => w.From is not null).Select(w => (w.From!.Value, (long)w.Size)).ToList();
        var missing = new List<string>();
        foreach (var slot in live)
        {
            if (FromSp(slot.Base, slot.Offset) is not { } from || from < 0)
            {
                continue;
            }
            var name = slot.Base == sp ? "sp" : RegisterName(isa, slot.Base);
            var slotName = string.Create(CultureInfo.InvariantCulture, $"[{name}{slot.Offset:+0;-0}] ({slot.Size} bytes");
            if (from + slot.Size > (long)stackSize)
            {
                // At or above the CFA: an argument the caller passed on the stack. Its outgoing-argument area is no
                // value of the caller's stack map, so the rebuilt caller frame does not have it.
                missing.Add(string.Create(CultureInfo.InvariantCulture, $"{slotName}, incoming argument at CFA{from - (long)stackSize:+0;-0})"));
                continue;
            }
            var covered = Enumerable.Range(0, slot.Size).Select(k => from + k)
                .All(b => carried.Exists(c => c.Item1 <= b && b < c.Item1 + c.Item2) || !written.Exists(c => c.Item1 <= b && b < c.Item1 + c.Item2));
            if (!covered)
            {
                missing.Add(slotName + ")");
            }
        }
        return missing.Count == 0 ? null
            : $"the code after the call reads the stack slot{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}, which no stack map records (a value the backend keeps across the call outside the IR)";
    }
}
