import JunctionModel

/// The dashboard (`/`): one page, drawn by its own script from the management API (no external
/// scripts, styles or fonts, so the page's Content-Security-Policy holds). Views by URL fragment:
/// `#/` overview with SVG charts of message rates, queue depths and connections by protocol (from
/// `/api/overview?history=true`), `#/queues`, `#/streams` (consumer groups, committed offsets, lag),
/// and `#/queue/{vhost}/{name}` (`HTTPAssets+QueuePage`). It refreshes every two seconds.
extension HTTPAssets {
    static let dashboard = dashboardHead + dashboardViews + dashboardQueuePage

    static let dashboardHead = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Junction</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
        header{background:#1f3a5f;color:#fff;padding:8px 24px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
        header a{color:#fff;text-decoration:none;font-weight:600}header a.active{text-decoration:underline}
        header input{width:9em}main{padding:12px 24px}
        table{border-collapse:collapse;margin:8px 0 16px}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
        th{background:#eef1f5}.num{text-align:right;font-variant-numeric:tabular-nums}#error{color:#b00;min-height:1.2em}
        .charts{display:flex;flex-wrap:wrap;gap:16px}.chart-box{background:#fff;border:1px solid #ddd;padding:8px}
        .chart-box h3{margin:0 0 4px;font-size:13px}svg.chart{display:block}svg.chart text{font-size:10px;fill:#555}
        .legend span{display:inline-block;margin-right:10px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
        button{margin-right:6px}.danger{color:#fff;background:#b00;border:0;padding:3px 8px}
        pre{margin:0;white-space:pre-wrap;max-width:40em;font-size:12px}.muted{color:#777}fieldset{margin:8px 0;border:1px solid #ccc}
        </style></head>
        <body>
        <header><strong>Junction</strong>
        <nav><a href="#/" data-view="overview">Overview</a> · <a href="#/queues" data-view="queues">Queues</a> ·
        <a href="#/streams" data-view="streams">Streams</a> · <a href="/demo">Live demo</a> · <a href="/metrics">/metrics</a></nav>
        <span><label>User <input id="user" autocomplete="username"></label>
        <label>Password <input id="password" type="password" autocomplete="current-password"></label></span>
        </header>
        <main><p id="error"></p><div id="view"></div></main>

        """#

    /// The shared helpers (API calls with Basic credentials from the page's inputs, tables, the SVG
    /// line chart) and the overview, queues and streams views.
    static let dashboardViews = #"""
        <script>
        // Everything is drawn here from the management API: no external scripts, styles or fonts.
        const $=id=>document.getElementById(id);
        const COLORS=['#1f77b4','#2ca02c','#ff7f0e','#d62728','#9467bd','#8c564b','#e377c2','#17becf'];
        for(const id of ['user','password']){
          $(id).value=sessionStorage.getItem('junction.'+id)||'';
          $(id).addEventListener('change',()=>{sessionStorage.setItem('junction.'+id,$(id).value);refresh();});
        }
        // X-Requested-With: a 401 then comes without the Basic challenge, so no browser dialog opens.
        function authHeaders(extra){return Object.assign({Authorization:'Basic '+btoa($('user').value+':'+$('password').value),
          'X-Requested-With':'XMLHttpRequest'},extra||{});}
        async function api(path,options){
          options=options||{};
          const hasBody=options.body!==undefined;
          const r=await fetch(path,{method:options.method||'GET',headers:authHeaders(hasBody?{'Content-Type':'application/json'}:{}),
            body:hasBody?JSON.stringify(options.body):undefined});
          if(!r.ok){let reason=r.status===401?'401 wrong user or password':String(r.status);try{const j=await r.json();reason+=' '+(j.reason||j.error||'');}catch(e){}throw new Error(path+': '+reason);}
          return r.status===204?null:r.json();
        }
        function el(tag,attrs,...children){
          const e=document.createElement(tag);
          for(const k in attrs||{}){
            if(k==='class')e.className=attrs[k];
            else if(k.startsWith('on'))e.addEventListener(k.slice(2),attrs[k]);
            else e.setAttribute(k,attrs[k]);
          }
          for(const c of children){if(c!=null)e.append(c instanceof Node?c:String(c));}
          return e;
        }
        // columns: [[title, class]]; rows: arrays of text or nodes.
        function table(columns,rows,id){
          const t=el('table',id?{id}:{});const head=t.createTHead().insertRow();
          for(const [title,cls] of columns)head.append(el('th',cls?{class:cls}:{},title));
          const body=t.createTBody();
          for(const row of rows){
            const tr=body.insertRow();
            row.forEach((v,i)=>{const td=tr.insertCell();if(columns[i][1])td.className=columns[i][1];td.append(v instanceof Node?v:String(v??''));});
          }
          return t;
        }
        function fmt(v){
          if(typeof v!=='number')return String(v);
          if(Math.abs(v)>=10000)return (v/1000).toFixed(1)+'k';
          return Number.isInteger(v)?String(v):v.toFixed(1);
        }
        function niceCeil(v){const p=Math.pow(10,Math.floor(Math.log10(v)));for(const m of [1,2,5,10])if(m*p>=v)return m*p;return 10*p;}
        const SVG='http://www.w3.org/2000/svg';
        function svg(tag,attrs){const e=document.createElementNS(SVG,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);return e;}
        // A line chart: one polyline per series over the samples, y from 0 to a round maximum.
        function lineChart(key,title,times,series,unit){
          const W=420,H=160,L=44,B=18,T=8,R=8;
          const box=el('div',{class:'chart-box'});box.append(el('h3',{},title));
          const chart=svg('svg',{class:'chart','data-chart':key,width:W,height:H,viewBox:`0 0 ${W} ${H}`,role:'img','aria-label':title});
          let max=0;for(const s of series)for(const v of s.values)max=Math.max(max,v);
          const top=max>0?niceCeil(max):1;
          chart.append(svg('line',{x1:L,y1:H-B,x2:W-R,y2:H-B,stroke:'#999'}),svg('line',{x1:L,y1:T,x2:L,y2:H-B,stroke:'#999'}));
          for(const f of [0,0.5,1]){
            const y=H-B-f*(H-B-T);const label=svg('text',{x:L-4,y:y+3,'text-anchor':'end'});label.textContent=fmt(top*f);chart.append(label);
            if(f>0)chart.append(svg('line',{x1:L,y1:y,x2:W-R,y2:y,stroke:'#eee'}));
          }
          const axis=svg('text',{x:L,y:H-4});
          axis.textContent=times.length>1?`last ${Math.round((times[times.length-1]-times[0])/1000)} s`:'waiting for samples';
          chart.append(axis);
          const legend=el('div',{class:'legend'});
          series.forEach((s,i)=>{
            const color=COLORS[i%COLORS.length],n=s.values.length,last=n?s.values[n-1]:0;
            const points=s.values.map((v,j)=>{const x=L+(n>1?j/(n-1):1)*(W-L-R);const y=H-B-(v/top)*(H-B-T);return x.toFixed(1)+','+y.toFixed(1);}).join(' ');
            chart.append(svg('polyline',{points,fill:'none',stroke:color,'stroke-width':1.5,'data-series':s.name,'data-last':last}));
            legend.append(el('span',{},el('i',{style:`background:${color}`}),`${s.name} ${fmt(last)}${unit||''}`));
          });
          box.append(chart,legend);return box;
        }
        function queueHref(vhost,name){return `#/queue/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`;}
        function queuePath(vhost,name){return `/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`;}
        function rate(stats,name){return stats&&stats[name+'_details']?stats[name+'_details'].rate:0;}

        async function overview(view,g){
          const [o,connections]=await Promise.all([api('/api/overview?history=true'),api('/api/connections')]);
          if(!current(g))return;
          const h=o.history||[],times=h.map(s=>s.timestamp);
          const t=o.object_totals,q=o.queue_totals,m=o.message_stats;
          const protocols=[...new Set(h.flatMap(s=>Object.keys(s.connections)).concat(Object.keys(o.connections_by_protocol||{})))].sort();
          view.replaceChildren(
            el('p',{id:'totals'},`${t.connections} connections · ${t.channels} channels · ${t.queues} queues · ${t.consumers} consumers · `+
              `${q.messages_ready} ready · ${q.messages_unacknowledged} unacked`),
            el('p',{id:'rates'},`publish ${fmt(rate(m,'publish'))}/s · deliver/get ${fmt(rate(m,'deliver_get'))}/s · `+
              `ack ${fmt(rate(m,'ack'))}/s · redeliver ${fmt(rate(m,'redeliver'))}/s`),
            el('div',{class:'charts'},
              lineChart('rates','Message rates (per second)',times,
                ['publish','deliver_get','ack','redeliver'].map(n=>({name:n,values:h.map(s=>s[n+'_rate'])})),'/s'),
              lineChart('depths','Queued messages',times,
                [{name:'ready',values:h.map(s=>s.messages_ready)},{name:'unacked',values:h.map(s=>s.messages_unacknowledged)}]),
              lineChart('connections','Connections by protocol',times,
                protocols.map(p=>({name:p,values:h.map(s=>s.connections[p]||0)})))),
            el('h2',{},'Connections'),
            table([['name'],['protocol'],['user'],['vhost'],['channels','num']],
              connections.map(c=>[c.name,c.protocol,c.user,c.vhost,c.channels]),'connections'));
        }

        async function queues(view,g){
          const list=await api('/api/queues');
          if(!current(g))return;
          view.replaceChildren(el('h2',{},'Queues'),
            table([['vhost'],['name'],['type'],['ready','num'],['unacked','num'],['consumers','num'],['publish/s','num'],['deliver/get/s','num'],['ack/s','num']],
              list.map(x=>[x.vhost,el('a',{href:queueHref(x.vhost,x.name)},x.name),x.type,x.messages_ready,x.messages_unacknowledged,x.consumers,
                fmt(rate(x.message_stats,'publish')),fmt(rate(x.message_stats,'deliver_get')),fmt(rate(x.message_stats,'ack'))]),'queues'));
        }

        async function streams(view,g){
          const list=(await api('/api/queues')).filter(q=>q.type==='stream');
          if(!current(g))return;
          const groups=list.flatMap(s=>(s.consumer_groups||[]).map(g=>
            [s.vhost,s.name,g.name,g.committed_offset??'none yet',g.lag,g.members,g.active_consumer||'']));
          view.replaceChildren(el('h2',{},'Streams'),
            list.length?'':el('p',{class:'muted',id:'no-streams'},'No streams. Declare one with x-queue-type: stream.'),
            table([['vhost'],['stream'],['messages','num'],['first offset','num'],['last offset','num'],['bytes','num'],['publish/s','num'],['consumers','num']],
              list.map(s=>[s.vhost,el('a',{href:queueHref(s.vhost,s.name)},s.name),s.messages,s.first_offset??'',s.last_offset??'',s.segment_bytes,
                fmt(rate(s.message_stats,'publish')),s.consumers]),'streams'),
            el('h3',{},'Consumer groups'),
            el('p',{class:'muted'},'Committed offset: the last offset the group acknowledged; lag: messages after it. '+
              'A partitioned stream shows one stream per partition.'),
            table([['vhost'],['stream'],['group'],['committed offset','num'],['lag','num'],['members','num'],['active consumer']],groups,'groups'));
        }

        """#
}
