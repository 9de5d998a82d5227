/// The dashboard's queue page (browse by peeking with `ackmode: ack_requeue_true`, move messages
/// out of a dead-letter queue, purge, delete) and its fragment router; ends the page.
extension HTTPAssets {
    static let dashboardQueuePage = #"""
        // One queue: its figures (refreshed), peek, move, purge and delete (kept between refreshes).
        function queueView(view,vhost,name){
          const path=queuePath(vhost,name);
          const stats=el('div',{id:'queue-stats'}),result=el('p',{id:'action-result'}),messages=el('div',{id:'messages'});
          async function act(work){
            try{result.textContent=await work();}catch(e){result.textContent='failed: '+e.message;}
            refresh();
          }
          // A destructive button asks once more on its first click instead of a modal dialog.
          function guarded(id,label,work){
            const button=el('button',{id,class:'danger'},label);
            button.addEventListener('click',()=>{
              if(button.dataset.armed!=='yes'){button.dataset.armed='yes';button.textContent=label+': click again to confirm';return;}
              button.dataset.armed='';button.textContent=label;act(work);
            });
            return button;
          }
          const count=el('input',{id:'peek-count',type:'number',min:1,value:10,style:'width:5em'});
          const peek=el('button',{id:'peek'},'Peek');
          peek.addEventListener('click',()=>act(async()=>{
            const got=await api(path+'/get',{method:'POST',body:{count:Number(count.value)||1,ackmode:'ack_requeue_true',encoding:'auto',truncate:4096}});
            messages.replaceChildren(el('h3',{},`${got.length} message(s), left in the queue`),
              table([['#','num'],['exchange'],['routing key'],['redelivered'],['payload'],['x-death']],
                got.map((m,i)=>[i+1,m.exchange,m.routing_key,m.redelivered?'yes':'',el('pre',{},m.payload),deaths(m.properties)]),'message-list'));
            return `peeked ${got.length} message(s)`;
          }));
          const mode=el('select',{id:'move-mode'},el('option',{value:'origin'},'back to the original exchange and routing key (x-death)'),
            el('option',{value:'queue'},'to the queue'));
          const target=el('input',{id:'move-destination',placeholder:'queue name'});
          const moveCount=el('input',{id:'move-count',type:'number',min:1,placeholder:'all',style:'width:5em'});
          const move=el('button',{id:'move'},'Move');
          move.addEventListener('click',()=>act(async()=>{
            const body=mode.value==='origin'?{to_origin:true}:{destination:target.value};
            if(moveCount.value)body.count=Number(moveCount.value);
            const r=await api(path+'/move',{method:'POST',body});
            return `moved ${r.moved} message(s), ${r.skipped} put back`;
          }));
          view.replaceChildren(el('h2',{},'Queue ',el('span',{id:'queue-name'},name)),el('p',{class:'muted'},`vhost ${vhost} · `,el('a',{href:'#/queues'},'all queues')),
            stats,
            el('fieldset',{},el('legend',{},'Browse (peek without consuming)'),el('label',{},'Messages ',count),' ',peek),
            el('fieldset',{},el('legend',{},'Move messages (for a dead-letter queue)'),mode,' ',target,' ',el('label',{},'count ',moveCount),' ',move),
            el('fieldset',{},el('legend',{},'Danger'),
              guarded('purge','Purge',async()=>{await api(path+'/contents',{method:'DELETE'});messages.replaceChildren();return 'purged';}),
              guarded('delete','Delete queue',async()=>{await api(path,{method:'DELETE'});location.hash='#/queues';return 'deleted';})),
            result,messages);
          return async()=>{
            const q=await api(path);
            const m=q.message_stats||{};
            stats.replaceChildren(table([['type'],['ready','num'],['unacked','num'],['consumers','num'],['publish','num'],['deliver/get','num'],['ack','num'],['redeliver','num'],['dead-letter exchange']],
              [[q.type,q.messages_ready,q.messages_unacknowledged,q.consumers,`${m.publish} (${fmt(rate(m,'publish'))}/s)`,
                `${m.deliver_get} (${fmt(rate(m,'deliver_get'))}/s)`,`${m.ack} (${fmt(rate(m,'ack'))}/s)`,`${m.redeliver} (${fmt(rate(m,'redeliver'))}/s)`,
                (q.arguments||{})['x-dead-letter-exchange']||'']],'queue-figures'));
          };
        }
        function deaths(properties){
          const list=((properties||{}).headers||{})['x-death'];
          if(!Array.isArray(list))return '';
          return list.map(d=>`${d.reason} in ${d.queue} (from ${d.exchange||'(default)'} / ${(d['routing-keys']||[]).join(',')}) ×${d.count}`).join('; ');
        }

        // `generation` changes with every navigation: a view whose data arrives after the user moved
        // on draws nothing (see `current`); a refresh asked for while one runs runs once it ends.
        let refresher=null,route='',busy=false,again=false,generation=0;
        function current(g){return g===generation;}
        function navigate(){
          route=location.hash||'#/';
          generation++;
          const view=$('view'),g=generation;
          document.querySelectorAll('nav a[data-view]').forEach(a=>a.classList.toggle('active',
            route===a.getAttribute('href')||(a.dataset.view==='queues'&&route.startsWith('#/queue/'))));
          const m=route.match(/^#\/queue\/([^/]*)\/(.*)$/);
          if(m)refresher=queueView(view,decodeURIComponent(m[1]),decodeURIComponent(m[2]));
          else if(route==='#/queues')refresher=()=>queues(view,g);
          else if(route==='#/streams')refresher=()=>streams(view,g);
          else refresher=()=>overview(view,g);
          document.body.dataset.loaded='';
          refresh();
        }
        async function refresh(){
          // Both first: a request with half the credentials gets 401, and the browser would prompt.
          if(!$('user').value||!$('password').value){$('error').textContent='Enter a user and password (a user with the management, monitoring or administrator tag).';return;}
          if(busy){again=true;return;}
          busy=true;const g=generation,shown=route;
          try{await refresher();$('error').textContent='';if(current(g))document.body.dataset.loaded=shown;}
          catch(e){$('error').textContent=e.message;}
          finally{busy=false;}
          if(again){again=false;refresh();}
        }
        window.addEventListener('hashchange',navigate);
        navigate();
        setInterval(refresh,2000);
        </script></body></html>

        """#
}
