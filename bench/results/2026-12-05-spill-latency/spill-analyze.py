import sys
rows=[l.split('\t') for l in open(sys.argv[1])]
rows=[(float(a),float(b),int(c),int(d),int(e)) for a,b,c,d,e in rows]
t0=rows[0][0]
peak=max(r[2] for r in rows); ipeak=[i for i,r in enumerate(rows) if r[2]==peak][0]
first=[i for i,r in enumerate(rows) if r[2]>0][0]
pub=rows[max(first-1,0):ipeak+1]
print("samples %d; first sample with messages: %d at %.2fs (previous sample %d at %.2fs)"%(len(rows),rows[first][2],rows[first][0]-t0,rows[first-1][2],rows[first-1][0]-t0))
print("peak depth %d at %.2fs; peak RSS %d KiB (%.0f MiB); peak spill %d bytes"%(peak,rows[ipeak][0]-t0,max(r[3] for r in rows),max(r[3] for r in rows)/1024,max(r[4] for r in rows)))
longest=0;last_t=pub[1][0];last_v=pub[1][2];arg=None
for r in pub[2:]:
    if r[2]>last_v:
        gap=r[0]-last_t
        if gap>longest: longest=gap;arg=(last_t-t0,r[0]-t0)
        last_t=r[0];last_v=r[2]
gaps=[pub[i+1][0]-pub[i][0] for i in range(len(pub)-1)]
incs=[pub[i+1][2]-pub[i][2] for i in range(1,len(pub)-1)]
print("publish phase %.2fs; longest interval without depth growth %.3fs (%.2f-%.2f); largest gap between samples %.3fs; smallest growth per sample %d; slowest HTTP answer %.3fs"%(pub[-1][0]-pub[1][0],longest,arg[0],arg[1],max(gaps),min(incs),max(r[1]-r[0] for r in pub)))
end=rows[-1]
print("last sample: depth %d, spill %d bytes, RSS %d KiB"%(end[2],end[4],end[3]))
