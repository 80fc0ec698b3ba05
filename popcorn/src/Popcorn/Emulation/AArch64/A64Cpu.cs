using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Popcorn.Emulation.AArch64;

/// <summary>
/// The AArch64 node's processor: an interpreter over pre-decoded instructions. Each 4 KiB code page is decoded
/// lazily into an array of <see cref="A64Instruction"/> (one slot per word) the first time control reaches a word,
/// and kept until the guest writes to that page; the dispatch loop walks those arrays with a switch, so the steady
/// state allocates nothing. Integer, branch and memory operations run inline in the loop; floating point, SIMD and
/// system instructions in <see cref="ExecuteOther"/>.
/// </summary>
public sealed partial class A64Cpu : ICpu, ICodeCache
{
    private const int PageShift = 12;
    private const int WordsPerPage = 1 << (PageShift - 2);
    private const int PageCacheSize = 256;

    private readonly Dictionary<ulong, A64Instruction[]> _pages = [];
    private readonly ulong[] _cachedVpn = new ulong[PageCacheSize];
    private readonly A64Instruction[]?[] _cachedPage = new A64Instruction[]?[PageCacheSize];
    private bool _codeInvalidated;
    private long _cycles;

    /// <summary>Creates a CPU over <paramref name="memory"/> and registers its decoded-code cache there.</summary>
    public A64Cpu(GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        memory.RegisterCodeCache(this);
        Array.Fill(_cachedVpn, ulong.MaxValue);
    }

    /// <inheritdoc />
    public Isa Isa => Isa.Aarch64;

    /// <inheritdoc />
    public GuestMemory Memory { get; }

    /// <summary>Instructions this CPU has retired in total (also the CNTVCT_EL0 counter the guest reads).</summary>
    public long TotalRetired => _cycles;

    /// <inheritdoc />
    public ArchitecturalState CreateState() => new A64State();

    /// <inheritdoc />
    public void InvalidatePage(ulong pageAddress)
    {
        var vpn = pageAddress >> PageShift;
        _pages.Remove(vpn);
        var slot = (int)(vpn % PageCacheSize);
        if (_cachedVpn[slot] == vpn)
        {
            _cachedVpn[slot] = ulong.MaxValue;
            _cachedPage[slot] = null;
        }
        _codeInvalidated = true;
    }

    /// <summary>The decoded instructions of the page holding <paramref name="address"/>, created on first use.</summary>
    private A64Instruction[] PageFor(ulong address)
    {
        var vpn = address >> PageShift;
        var slot = (int)(vpn % PageCacheSize);
        if (_cachedVpn[slot] == vpn)
        {
            return _cachedPage[slot]!;
        }
        if (!_pages.TryGetValue(vpn, out var page))
        {
            Memory.Fetch32(address & ~3UL);
            Memory.MarkCode(address);
            page = new A64Instruction[WordsPerPage];
            _pages.Add(vpn, page);
        }
        _cachedVpn[slot] = vpn;
        _cachedPage[slot] = page;
        return page;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref ulong Reg(ulong[] x, byte n) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), n);

    /// <inheritdoc />
    public CpuStop Run(ArchitecturalState state, long instructionLimit)
    {
        var s = state as A64State ?? throw new ArgumentException($"an aarch64 CPU cannot run {state.Isa.Name()} registers", nameof(state));
        s.ClearReservation();
        var stop = Execute(s, instructionLimit);
        if (stop.Reason == StopReason.InstructionLimit && s.HoldsReservation)
        {
            var more = Execute(s, ArchitecturalState.ReservationGrace);
            stop = more with { Retired = stop.Retired + more.Retired };
        }
        return stop;
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CpuStop Execute(A64State s, long instructionLimit)
    {
        var x = s.Slots;
        var v = s.V;
        var mem = Memory;
        var pageBase = s.Pc & ~(ulong)(WordsPerPage * 4 - 1);
        var index = (int)((s.Pc >> 2) & (WordsPerPage - 1));
        long retired = 0;
        var flags = s.Flags;
        _codeInvalidated = false;
        try
        {
            var page = PageFor(s.Pc);
            ulong target;
            while (retired < instructionLimit)
            {
                ref var i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page), index);
                switch (i.Op)
                {
                    case A64Op.Undecoded:
                        {
                            var pc = pageBase + ((ulong)index << 2);
                            i = A64Decoder.Decode(mem.Fetch32(pc), pc);
                            continue;
                        }

                    // Data processing: immediate.
                    case A64Op.AddImm:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) + (ulong)i.Imm, i.Sf);
                        break;
                    case A64Op.SubImm:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) - (ulong)i.Imm, i.Sf);
                        break;
                    case A64Op.AddsImm:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), (ulong)i.Imm, 0, i.Sf, out flags);
                        break;
                    case A64Op.SubsImm:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), ~(ulong)i.Imm, 1, i.Sf, out flags);
                        break;
                    case A64Op.AndImm:
                        Reg(x, i.Rd) = Reg(x, i.Rn) & (ulong)i.Imm;
                        break;
                    case A64Op.OrrImm:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) | (ulong)i.Imm, i.Sf);
                        break;
                    case A64Op.EorImm:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) ^ (ulong)i.Imm, i.Sf);
                        break;
                    case A64Op.AndsImm:
                        Reg(x, i.Rd) = LogicFlags(Reg(x, i.Rn) & (ulong)i.Imm, i.Sf, out flags);
                        break;
                    case A64Op.MovConst:
                        Reg(x, i.Rd) = (ulong)i.Imm;
                        break;
                    case A64Op.Movk:
                        Reg(x, i.Rd) = Truncate((Reg(x, i.Rd) & ~(0xFFFFUL << i.Amount)) | ((ulong)i.Imm << i.Amount), i.Sf);
                        break;
                    case A64Op.Ubfm:
                        Reg(x, i.Rd) = Rotate(Reg(x, i.Rn), i.Amount, i.Sf) & (ulong)i.Imm & (ulong)i.Imm2;
                        break;
                    case A64Op.Sbfm:
                        {
                            var src = Reg(x, i.Rn);
                            var bottom = Rotate(src, i.Amount, i.Sf) & (ulong)i.Imm;
                            var top = ((src >> i.Shift) & 1) != 0 ? ~0UL : 0;
                            Reg(x, i.Rd) = Truncate((top & ~(ulong)i.Imm2) | (bottom & (ulong)i.Imm2), i.Sf);
                            break;
                        }
                    case A64Op.Bfm:
                        {
                            var dst = Reg(x, i.Rd);
                            var bottom = (dst & ~(ulong)i.Imm) | (Rotate(Reg(x, i.Rn), i.Amount, i.Sf) & (ulong)i.Imm);
                            Reg(x, i.Rd) = Truncate((dst & ~(ulong)i.Imm2) | (bottom & (ulong)i.Imm2), i.Sf);
                            break;
                        }
                    case A64Op.Extr:
                        Reg(x, i.Rd) = i.Sf
                            ? (i.Amount == 0 ? Reg(x, i.Rm) : (Reg(x, i.Rm) >> i.Amount) | (Reg(x, i.Rn) << (64 - i.Amount)))
                            : (uint)((((ulong)(uint)Reg(x, i.Rn) << 32) | (uint)Reg(x, i.Rm)) >> i.Amount);
                        break;

                    // Data processing: register.
                    case A64Op.AddShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) + Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.SubShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) - Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.AddsShift:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), 0, i.Sf, out flags);
                        break;
                    case A64Op.SubsShift:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), ~Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), 1, i.Sf, out flags);
                        break;
                    case A64Op.AddExt:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) + Extended(Reg(x, i.Rm), i.Shift, i.Amount), i.Sf);
                        break;
                    case A64Op.SubExt:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) - Extended(Reg(x, i.Rm), i.Shift, i.Amount), i.Sf);
                        break;
                    case A64Op.AddsExt:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), Extended(Reg(x, i.Rm), i.Shift, i.Amount), 0, i.Sf, out flags);
                        break;
                    case A64Op.SubsExt:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), ~Extended(Reg(x, i.Rm), i.Shift, i.Amount), 1, i.Sf, out flags);
                        break;
                    case A64Op.Adc:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) + Reg(x, i.Rm) + ((flags >> 1) & 1), i.Sf);
                        break;
                    case A64Op.Sbc:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) + ~Reg(x, i.Rm) + ((flags >> 1) & 1), i.Sf);
                        break;
                    case A64Op.Adcs:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), Reg(x, i.Rm), (flags >> 1) & 1, i.Sf, out flags);
                        break;
                    case A64Op.Sbcs:
                        Reg(x, i.Rd) = AddWithCarry(Reg(x, i.Rn), ~Reg(x, i.Rm), (flags >> 1) & 1, i.Sf, out flags);
                        break;
                    case A64Op.AndShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) & Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.BicShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) & ~Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.OrrShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) | Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.OrnShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) | ~Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.EorShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) ^ Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.EonShift:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Rn) ^ ~Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf);
                        break;
                    case A64Op.AndsShift:
                        Reg(x, i.Rd) = LogicFlags(Reg(x, i.Rn) & Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf, out flags);
                        break;
                    case A64Op.BicsShift:
                        Reg(x, i.Rd) = LogicFlags(Reg(x, i.Rn) & ~Shifted(Reg(x, i.Rm), i.Shift, i.Amount, i.Sf), i.Sf, out flags);
                        break;
                    case A64Op.Lslv:
                        Reg(x, i.Rd) = i.Sf ? Reg(x, i.Rn) << (int)(Reg(x, i.Rm) & 63) : (uint)Reg(x, i.Rn) << (int)(Reg(x, i.Rm) & 31);
                        break;
                    case A64Op.Lsrv:
                        Reg(x, i.Rd) = i.Sf ? Reg(x, i.Rn) >> (int)(Reg(x, i.Rm) & 63) : (uint)Reg(x, i.Rn) >> (int)(Reg(x, i.Rm) & 31);
                        break;
                    case A64Op.Asrv:
                        Reg(x, i.Rd) = i.Sf ? (ulong)((long)Reg(x, i.Rn) >> (int)(Reg(x, i.Rm) & 63)) : (uint)((int)Reg(x, i.Rn) >> (int)(Reg(x, i.Rm) & 31));
                        break;
                    case A64Op.Rorv:
                        Reg(x, i.Rd) = Rotate(Reg(x, i.Rn), (int)(Reg(x, i.Rm) & (i.Sf ? 63u : 31u)), i.Sf);
                        break;
                    case A64Op.Udiv:
                        {
                            var n = Reg(x, i.Rn);
                            var m = Reg(x, i.Rm);
                            Reg(x, i.Rd) = i.Sf ? (m == 0 ? 0 : n / m) : ((uint)m == 0 ? 0 : (uint)n / (uint)m);
                            break;
                        }
                    case A64Op.Sdiv:
                        Reg(x, i.Rd) = SignedDivide(Reg(x, i.Rn), Reg(x, i.Rm), i.Sf);
                        break;
                    case A64Op.Madd:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Ra) + (Reg(x, i.Rn) * Reg(x, i.Rm)), i.Sf);
                        break;
                    case A64Op.Msub:
                        Reg(x, i.Rd) = Truncate(Reg(x, i.Ra) - (Reg(x, i.Rn) * Reg(x, i.Rm)), i.Sf);
                        break;
                    case A64Op.Smaddl:
                        Reg(x, i.Rd) = Reg(x, i.Ra) + (ulong)((long)(int)Reg(x, i.Rn) * (int)Reg(x, i.Rm));
                        break;
                    case A64Op.Smsubl:
                        Reg(x, i.Rd) = Reg(x, i.Ra) - (ulong)((long)(int)Reg(x, i.Rn) * (int)Reg(x, i.Rm));
                        break;
                    case A64Op.Umaddl:
                        Reg(x, i.Rd) = Reg(x, i.Ra) + ((ulong)(uint)Reg(x, i.Rn) * (uint)Reg(x, i.Rm));
                        break;
                    case A64Op.Umsubl:
                        Reg(x, i.Rd) = Reg(x, i.Ra) - ((ulong)(uint)Reg(x, i.Rn) * (uint)Reg(x, i.Rm));
                        break;
                    case A64Op.Smulh:
                        Reg(x, i.Rd) = (ulong)Math.BigMul((long)Reg(x, i.Rn), (long)Reg(x, i.Rm), out _);
                        break;
                    case A64Op.Umulh:
                        Reg(x, i.Rd) = Math.BigMul(Reg(x, i.Rn), Reg(x, i.Rm), out _);
                        break;
                    case A64Op.Csel:
                        Reg(x, i.Rd) = Truncate(ConditionHolds(i.Cond, flags) ? Reg(x, i.Rn) : Reg(x, i.Rm), i.Sf);
                        break;
                    case A64Op.Csinc:
                        Reg(x, i.Rd) = Truncate(ConditionHolds(i.Cond, flags) ? Reg(x, i.Rn) : Reg(x, i.Rm) + 1, i.Sf);
                        break;
                    case A64Op.Csinv:
                        Reg(x, i.Rd) = Truncate(ConditionHolds(i.Cond, flags) ? Reg(x, i.Rn) : ~Reg(x, i.Rm), i.Sf);
                        break;
                    case A64Op.Csneg:
                        Reg(x, i.Rd) = Truncate(ConditionHolds(i.Cond, flags) ? Reg(x, i.Rn) : 0 - Reg(x, i.Rm), i.Sf);
                        break;
                    case A64Op.CcmpReg:
                        flags = ConditionHolds(i.Cond, flags) ? SubtractFlags(Reg(x, i.Rn), Reg(x, i.Rm), i.Sf) : (uint)i.Imm2;
                        break;
                    case A64Op.CcmpImm:
                        flags = ConditionHolds(i.Cond, flags) ? SubtractFlags(Reg(x, i.Rn), (ulong)i.Imm, i.Sf) : (uint)i.Imm2;
                        break;
                    case A64Op.CcmnReg:
                        flags = ConditionHolds(i.Cond, flags) ? AddFlags(Reg(x, i.Rn), Reg(x, i.Rm), i.Sf) : (uint)i.Imm2;
                        break;
                    case A64Op.CcmnImm:
                        flags = ConditionHolds(i.Cond, flags) ? AddFlags(Reg(x, i.Rn), (ulong)i.Imm, i.Sf) : (uint)i.Imm2;
                        break;
                    case A64Op.Rbit:
                    case A64Op.Rev16:
                    case A64Op.Rev32:
                    case A64Op.Rev64:
                    case A64Op.Clz:
                    case A64Op.Cls:
                        Reg(x, i.Rd) = OneSource(i.Op, Reg(x, i.Rn), i.Sf);
                        break;

                    // Branches.
                    case A64Op.B:
                        target = (ulong)i.Imm;
                        goto Jump;
                    case A64Op.Bl:
                        x[30] = pageBase + ((ulong)index << 2) + 4;
                        target = (ulong)i.Imm;
                        goto Jump;
                    case A64Op.BCond:
                        if (ConditionHolds(i.Cond, flags))
                        {
                            target = (ulong)i.Imm;
                            goto Jump;
                        }
                        break;
                    case A64Op.Cbz:
                        if ((i.Sf ? Reg(x, i.Rn) : (uint)Reg(x, i.Rn)) == 0)
                        {
                            target = (ulong)i.Imm;
                            goto Jump;
                        }
                        break;
                    case A64Op.Cbnz:
                        if ((i.Sf ? Reg(x, i.Rn) : (uint)Reg(x, i.Rn)) != 0)
                        {
                            target = (ulong)i.Imm;
                            goto Jump;
                        }
                        break;
                    case A64Op.Tbz:
                        if (((Reg(x, i.Rn) >> i.Amount) & 1) == 0)
                        {
                            target = (ulong)i.Imm;
                            goto Jump;
                        }
                        break;
                    case A64Op.Tbnz:
                        if (((Reg(x, i.Rn) >> i.Amount) & 1) != 0)
                        {
                            target = (ulong)i.Imm;
                            goto Jump;
                        }
                        break;
                    case A64Op.Br:
                    case A64Op.Ret:
                        target = Reg(x, i.Rn);
                        goto Jump;
                    case A64Op.Blr:
                        target = Reg(x, i.Rn);
                        x[30] = pageBase + ((ulong)index << 2) + 4;
                        goto Jump;

                    // Loads and stores.
                    case A64Op.Ldrb:
                        Reg(x, i.Rd) = mem.Read8(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.Ldrh:
                        Reg(x, i.Rd) = mem.Read16(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrW:
                        Reg(x, i.Rd) = mem.Read32(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrX:
                        Reg(x, i.Rd) = mem.Read64(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrsbW:
                        Reg(x, i.Rd) = (uint)(sbyte)mem.Read8(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrsbX:
                        Reg(x, i.Rd) = (ulong)(sbyte)mem.Read8(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrshW:
                        Reg(x, i.Rd) = (uint)(short)mem.Read16(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrshX:
                        Reg(x, i.Rd) = (ulong)(short)mem.Read16(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.Ldrsw:
                        Reg(x, i.Rd) = (ulong)(int)mem.Read32(Address(ref i, x));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.Strb:
                        mem.Write8(Address(ref i, x), (byte)Reg(x, i.Rd));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.Strh:
                        mem.Write16(Address(ref i, x), (ushort)Reg(x, i.Rd));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.StrW:
                        mem.Write32(Address(ref i, x), (uint)Reg(x, i.Rd));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.StrX:
                        mem.Write64(Address(ref i, x), Reg(x, i.Rd));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdpX:
                        {
                            var a = Address(ref i, x);
                            var first = mem.Read64(a);
                            Reg(x, i.Ra) = mem.Read64(a + 8);
                            Reg(x, i.Rd) = first;
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.StpX:
                        {
                            var a = Address(ref i, x);
                            mem.Write64(a, Reg(x, i.Rd));
                            mem.Write64(a + 8, Reg(x, i.Ra));
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.LdpW:
                        {
                            var a = Address(ref i, x);
                            var first = mem.Read32(a);
                            Reg(x, i.Ra) = mem.Read32(a + 4);
                            Reg(x, i.Rd) = first;
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.Ldpsw:
                        {
                            var a = Address(ref i, x);
                            var first = (ulong)(int)mem.Read32(a);
                            Reg(x, i.Ra) = (ulong)(int)mem.Read32(a + 4);
                            Reg(x, i.Rd) = first;
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.StpW:
                        {
                            var a = Address(ref i, x);
                            mem.Write32(a, (uint)Reg(x, i.Rd));
                            mem.Write32(a + 4, (uint)Reg(x, i.Ra));
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.LdrD:
                        {
                            var value = mem.Read64(Address(ref i, x));
                            ref var vd = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(v), i.Rd * 2);
                            vd = value;
                            Unsafe.Add(ref vd, 1) = 0;
                            WriteBack(ref i, x);
                            break;
                        }
                    case A64Op.StrD:
                        mem.Write64(Address(ref i, x), Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(v), i.Rd * 2));
                        WriteBack(ref i, x);
                        break;
                    case A64Op.LdrB:
                    case A64Op.LdrH:
                    case A64Op.LdrS:
                    case A64Op.LdrQ:
                    case A64Op.StrB:
                    case A64Op.StrH:
                    case A64Op.StrS:
                    case A64Op.StrQ:
                    case A64Op.LdpS:
                    case A64Op.LdpD:
                    case A64Op.LdpQ:
                    case A64Op.StpS:
                    case A64Op.StpD:
                    case A64Op.StpQ:
                        VectorLoadStore(ref i, x, v, mem);
                        break;
                    case A64Op.Fadd:
                    case A64Op.Fsub:
                    case A64Op.Fmul:
                    case A64Op.Fdiv:
                        if (i.Size == 8)
                        {
                            ref var vr = ref MemoryMarshal.GetArrayDataReference(v);
                            var a = BitConverter.UInt64BitsToDouble(Unsafe.Add(ref vr, i.Rn * 2));
                            var b = BitConverter.UInt64BitsToDouble(Unsafe.Add(ref vr, i.Rm * 2));
                            var fpcr = s.FpcrBits;
                            var result = i.Op switch
                            {
                                A64Op.Fadd => A64Float.Add(a, b, fpcr, ref s.FpsrBits),
                                A64Op.Fsub => A64Float.Subtract(a, b, fpcr, ref s.FpsrBits),
                                A64Op.Fmul => A64Float.Multiply(a, b, fpcr, ref s.FpsrBits),
                                _ => A64Float.Divide(a, b, fpcr, ref s.FpsrBits),
                            };
                            ref var vd = ref Unsafe.Add(ref vr, i.Rd * 2);
                            vd = BitConverter.DoubleToUInt64Bits(result);
                            Unsafe.Add(ref vd, 1) = 0;
                            break;
                        }
                        goto default;
                    case A64Op.Prfm:
                    case A64Op.Nop:
                    case A64Op.Barrier:
                        break;
                    case A64Op.Ldxr:
                    case A64Op.Ldar:
                    case A64Op.Stxr:
                    case A64Op.Stlr:
                        {
                            var a = Reg(x, i.Rn);
                            if ((a & (ulong)(i.Size - 1)) != 0)
                            {
                                s.Pc = pageBase + ((ulong)index << 2);
                                s.Flags = flags;
                                _cycles += retired;
                                return new CpuStop(StopReason.MisalignedAccess, retired, a, Detail: "unaligned exclusive or acquire/release access");
                            }
                            Exclusive(ref i, s, x, mem, a);
                            break;
                        }

                    // Control leaves the loop.
                    case A64Op.Svc:
                        s.Pc = pageBase + ((ulong)index << 2) + 4;
                        s.Flags = flags;
                        _cycles += ++retired;
                        return new CpuStop(StopReason.SystemCall, retired);
                    case A64Op.Brk:
                    case A64Op.Unknown:
                        {
                            var pc = pageBase + ((ulong)index << 2);
                            s.Pc = pc;
                            s.Flags = flags;
                            _cycles += retired;
                            var word = mem.Fetch32(pc);
                            return i.Op == A64Op.Brk
                                ? new CpuStop(StopReason.Breakpoint, retired, Word: word, Detail: $"brk #0x{i.Imm:x}")
                                : new CpuStop(StopReason.IllegalInstruction, retired, Word: word,
                                    Detail: $"unimplemented or unallocated A64 instruction word 0x{word:x8}");
                        }

                    default:
                        s.Flags = flags;
                        if (!ExecuteOther(ref i, s))
                        {
                            var pc = pageBase + ((ulong)index << 2);
                            s.Pc = pc;
                            _cycles += retired;
                            return new CpuStop(StopReason.IllegalInstruction, retired, Word: mem.Fetch32(pc),
                                Detail: $"unsupported system register access (op0:op1:CRn:CRm:op2 field 0x{i.Imm:x})");
                        }
                        flags = s.Flags;
                        break;
                }
                retired++;
                if (++index == WordsPerPage)
                {
                    index = 0;
                    pageBase += WordsPerPage * 4;
                    page = PageFor(pageBase);
                }
                continue;

            Jump:
                retired++;
                if ((target & ~(ulong)(WordsPerPage * 4 - 1)) != pageBase || _codeInvalidated)
                {
                    pageBase = target & ~(ulong)(WordsPerPage * 4 - 1);
                    index = (int)((target >> 2) & (WordsPerPage - 1));
                    _codeInvalidated = false;
                    page = PageFor(target);
                }
                else
                {
                    index = (int)((target >> 2) & (WordsPerPage - 1));
                }
            }
            s.Pc = pageBase + ((ulong)index << 2);
            s.Flags = flags;
            _cycles += retired;
            return new CpuStop(StopReason.InstructionLimit, retired);
        }
        catch (GuestFaultException fault)
        {
            s.Pc = pageBase + ((ulong)index << 2);
            s.Flags = flags;
            _cycles += retired;
            return new CpuStop(StopReason.MemoryFault, retired, fault.Address, Access: fault.Access, Detail: fault.Message);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Truncate(ulong value, bool sf) => sf ? value : (uint)value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Rotate(ulong value, int amount, bool sf) =>
        sf ? BitOperations.RotateRight(value, amount) : BitOperations.RotateRight((uint)value, amount);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Shifted(ulong value, byte type, byte amount, bool sf)
    {
        if (amount == 0)
        {
            return value;
        }
        if (sf)
        {
            return type switch
            {
                0 => value << amount,
                1 => value >> amount,
                2 => (ulong)((long)value >> amount),
                _ => BitOperations.RotateRight(value, amount),
            };
        }
        var w = (uint)value;
        return type switch
        {
            0 => w << amount,
            1 => w >> amount,
            2 => (uint)((int)w >> amount),
            _ => BitOperations.RotateRight(w, amount),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Extended(ulong value, byte option, byte shift) => option switch
    {
        0 => (byte)value,
        1 => (ushort)value,
        2 => (uint)value,
        3 => value,
        4 => (ulong)(sbyte)value,
        5 => (ulong)(short)value,
        6 => (ulong)(int)value,
        _ => value,
    } << shift;

    /// <summary>The manual's AddWithCarry: the (truncated) sum and its NZCV.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddWithCarry(ulong a, ulong b, ulong carry, bool sf, out uint nzcv)
    {
        if (sf)
        {
            var r = a + b + carry;
            var c = carry == 0 ? r < a : r <= a;
            nzcv = (uint)(r >> 63) << 3 | (r == 0 ? 4u : 0) | (c ? 2u : 0) | (uint)((((a ^ r) & (b ^ r)) >> 63) & 1);
            return r;
        }
        var sum = (ulong)(uint)a + (uint)b + carry;
        var w = (uint)sum;
        nzcv = (w >> 31) << 3 | (w == 0 ? 4u : 0) | (uint)((sum >> 32) & 1) << 1 | ((((uint)a ^ w) & ((uint)b ^ w)) >> 31);
        return w;
    }

    private static uint SubtractFlags(ulong a, ulong b, bool sf)
    {
        AddWithCarry(a, ~b, 1, sf, out var nzcv);
        return nzcv;
    }

    private static uint AddFlags(ulong a, ulong b, bool sf)
    {
        AddWithCarry(a, b, 0, sf, out var nzcv);
        return nzcv;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LogicFlags(ulong result, bool sf, out uint nzcv)
    {
        result = Truncate(result, sf);
        var negative = sf ? result >> 63 : result >> 31;
        nzcv = ((uint)negative << 3) | (result == 0 ? 4u : 0);
        return result;
    }

    /// <summary>ConditionHolds for every condition (rows) and NZCV value (bits), as a table.</summary>
    private static readonly ushort[] Conditions = BuildConditionTable();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ConditionHolds(byte cond, uint nzcv) =>
        ((Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Conditions), cond) >> (int)nzcv) & 1) != 0;

    private static ushort[] BuildConditionTable()
    {
        var table = new ushort[16];
        for (var cond = 0; cond < 16; cond++)
        {
            for (var nzcv = 0; nzcv < 16; nzcv++)
            {
                bool n = (nzcv & 8) != 0, z = (nzcv & 4) != 0, c = (nzcv & 2) != 0, v = (nzcv & 1) != 0;
                var result = (cond >> 1) switch
                {
                    0 => z,
                    1 => c,
                    2 => n,
                    3 => v,
                    4 => c && !z,
                    5 => n == v,
                    6 => n == v && !z,
                    _ => true,
                };
                if ((cond & 1) == 1 && cond != 15)
                {
                    result = !result;
                }
                if (result)
                {
                    table[cond] |= (ushort)(1 << nzcv);
                }
            }
        }
        return table;
    }

    private static ulong SignedDivide(ulong n, ulong m, bool sf)
    {
        if (sf)
        {
            var (a, b) = ((long)n, (long)m);
            return b == 0 ? 0 : b == -1 ? (ulong)(0 - a) : (ulong)(a / b);
        }
        var (c, d) = ((int)n, (int)m);
        return d == 0 ? 0 : d == -1 ? (uint)(0 - c) : (uint)(c / d);
    }

    private static ulong OneSource(A64Op op, ulong value, bool sf)
    {
        var w = (uint)value;
        return op switch
        {
            A64Op.Rbit => sf ? ReverseBits(value) : ReverseBits(value) >> 32,
            A64Op.Rev16 => Truncate(((value & 0x00FF00FF00FF00FFUL) << 8) | ((value >> 8) & 0x00FF00FF00FF00FFUL), sf),
            A64Op.Rev32 => sf
                ? ((ulong)BinaryPrimitives.ReverseEndianness((uint)(value >> 32)) << 32) | BinaryPrimitives.ReverseEndianness(w)
                : BinaryPrimitives.ReverseEndianness(w),
            A64Op.Rev64 => BinaryPrimitives.ReverseEndianness(value),
            A64Op.Clz => sf ? (ulong)BitOperations.LeadingZeroCount(value) : (ulong)BitOperations.LeadingZeroCount(w),
            _ => sf
                ? (ulong)BitOperations.LeadingZeroCount(value ^ (ulong)((long)value >> 1)) - 1
                : (ulong)BitOperations.LeadingZeroCount(w ^ (uint)((int)w >> 1)) - 1,
        };
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>The address a load or store accesses (before any write-back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Address(ref A64Instruction i, ulong[] x) => i.Mode switch
    {
        AddressMode.Offset or AddressMode.PreIndex => Reg(x, i.Rn) + (ulong)i.Imm,
        AddressMode.PostIndex => Reg(x, i.Rn),
        AddressMode.Register => Reg(x, i.Rn) + Extended(Reg(x, i.Rm), i.Shift, i.Amount),
        _ => (ulong)i.Imm,
    };

    /// <summary>Pre- and post-index write-back, after the access succeeded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteBack(ref A64Instruction i, ulong[] x)
    {
        if ((uint)(i.Mode - AddressMode.PreIndex) < 2)
        {
            Reg(x, i.Rn) += (ulong)i.Imm;
        }
    }

    private static void VectorLoadStore(ref A64Instruction i, ulong[] x, ulong[] v, GuestMemory mem)
    {
        var a = Address(ref i, x);
        int d = i.Rd * 2, t2 = i.Ra * 2;
        switch (i.Op)
        {
            case A64Op.LdrB: (v[d], v[d + 1]) = (mem.Read8(a), 0); break;
            case A64Op.LdrH: (v[d], v[d + 1]) = (mem.Read16(a), 0); break;
            case A64Op.LdrS: (v[d], v[d + 1]) = (mem.Read32(a), 0); break;
            case A64Op.LdrD: (v[d], v[d + 1]) = (mem.Read64(a), 0); break;
            case A64Op.LdrQ: (v[d], v[d + 1]) = (mem.Read64(a), mem.Read64(a + 8)); break;
            case A64Op.StrB: mem.Write8(a, (byte)v[d]); break;
            case A64Op.StrH: mem.Write16(a, (ushort)v[d]); break;
            case A64Op.StrS: mem.Write32(a, (uint)v[d]); break;
            case A64Op.StrD: mem.Write64(a, v[d]); break;
            case A64Op.StrQ:
                mem.Write64(a, v[d]);
                mem.Write64(a + 8, v[d + 1]);
                break;
            case A64Op.LdpS:
                {
                    var first = mem.Read32(a);
                    (v[t2], v[t2 + 1]) = (mem.Read32(a + 4), 0);
                    (v[d], v[d + 1]) = (first, 0);
                    break;
                }
            case A64Op.LdpD:
                {
                    var first = mem.Read64(a);
                    (v[t2], v[t2 + 1]) = (mem.Read64(a + 8), 0);
                    (v[d], v[d + 1]) = (first, 0);
                    break;
                }
            case A64Op.LdpQ:
                {
                    var (lo, hi) = (mem.Read64(a), mem.Read64(a + 8));
                    (v[t2], v[t2 + 1]) = (mem.Read64(a + 16), mem.Read64(a + 24));
                    (v[d], v[d + 1]) = (lo, hi);
                    break;
                }
            case A64Op.StpS:
                mem.Write32(a, (uint)v[d]);
                mem.Write32(a + 4, (uint)v[t2]);
                break;
            case A64Op.StpD:
                mem.Write64(a, v[d]);
                mem.Write64(a + 8, v[t2]);
                break;
            default:
                mem.Write64(a, v[d]);
                mem.Write64(a + 8, v[d + 1]);
                mem.Write64(a + 16, v[t2]);
                mem.Write64(a + 24, v[t2 + 1]);
                break;
        }
        WriteBack(ref i, x);
    }

    private static ulong ReadSized(GuestMemory mem, ulong a, int size) => size switch
    {
        1 => mem.Read8(a),
        2 => mem.Read16(a),
        4 => mem.Read32(a),
        _ => mem.Read64(a),
    };

    private static void WriteSized(GuestMemory mem, ulong a, int size, ulong value)
    {
        switch (size)
        {
            case 1: mem.Write8(a, (byte)value); break;
            case 2: mem.Write16(a, (ushort)value); break;
            case 4: mem.Write32(a, (uint)value); break;
            default: mem.Write64(a, value); break;
        }
    }

    /// <summary>
    /// Load-exclusive, store-exclusive, load-acquire and store-release. All guest threads run on one host thread
    /// and the monitor is cleared whenever a thread is switched out, so a store-exclusive succeeds exactly when no
    /// other thread ran since the matching load-exclusive; acquire and release order nothing further.
    /// </summary>
    private static void Exclusive(ref A64Instruction i, A64State s, ulong[] x, GuestMemory mem, ulong a)
    {
        switch (i.Op)
        {
            case A64Op.Ldxr:
                {
                    var value = ReadSized(mem, a, i.Size);
                    s.ExclusiveAddress = a;
                    s.ExclusiveSize = i.Size;
                    Reg(x, i.Rd) = value;
                    break;
                }
            case A64Op.Ldar:
                Reg(x, i.Rd) = ReadSized(mem, a, i.Size);
                break;
            case A64Op.Stlr:
                WriteSized(mem, a, i.Size, Reg(x, i.Rd));
                break;
            default:
                var held = s.ExclusiveSize == i.Size && s.ExclusiveAddress == a;
                if (held)
                {
                    WriteSized(mem, a, i.Size, Reg(x, i.Rd));
                }
                s.ExclusiveSize = 0;
                Reg(x, i.Rm) = held ? 0UL : 1UL;
                break;
        }
    }
}
