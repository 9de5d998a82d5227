import NIOCore
import NIOHTTP1

/// The pages the broker serves itself: no external scripts, styles or fonts.
enum HTTPAssets {
    static func page(_ html: String) -> HTTPResponse {
        HTTPResponse(
            status: .ok,
            headers: [
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy":
                    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
            ],
            body: ByteBuffer(string: html)
        )
    }

    /// Subscribes to a topic over STOMP on `/ws` with the browser's WebSocket and shows messages live;
    /// publishes through the raw-body HTTP endpoint, so one page crosses two protocols.
    static let demo = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Junction live demo</title>
        <style>body{font:14px system-ui,sans-serif;margin:2em}#log{font-family:monospace;white-space:pre-wrap;border:1px solid #ccc;padding:1em;min-height:10em}</style>
        </head><body>
        <h1>Live messages</h1>
        <p><label>Topic (routing key on amq.topic) <input id="topic" value="demo.#"></label>
        <label>User <input id="user" autocomplete="username"></label> <label>Password <input id="password" type="password" autocomplete="current-password"></label>
        <button id="connect">Subscribe</button> <span id="status">disconnected</span></p>
        <p><label>Publish to <input id="key" value="demo.hello"></label> <input id="text" value="hello from the browser">
        <button id="send">Publish over HTTP</button></p>
        <div id="log"></div>
        <script>
        const log=t=>{document.getElementById('log').textContent+=t+'\\n';};
        let socket=null;
        function frame(command,headers,body){let f=command+'\\n';for(const k in headers)f+=k+':'+headers[k]+'\\n';return f+'\\n'+(body||'')+'\\0';}
        document.getElementById('connect').onclick=()=>{
          if(socket)socket.close();
          const url=(location.protocol==='https:'?'wss://':'ws://')+location.host+'/ws';
          socket=new WebSocket(url,['v12.stomp','v11.stomp','v10.stomp']);
          let buffer='';
          socket.onopen=()=>{document.getElementById('status').textContent='connecting';
            const connect={'accept-version':'1.2,1.1,1.0',host:'/','heart-beat':'0,0'};
            // No user: an anonymous login, which the broker accepts from this machine only (stomp.allow_anonymous).
            if(user.value){connect.login=user.value;connect.passcode=password.value;}
            socket.send(frame('CONNECT',connect));};
          socket.onmessage=e=>{buffer+=typeof e.data==='string'?e.data:new TextDecoder().decode(e.data);
            let end;while((end=buffer.indexOf('\\0'))>=0){const f=buffer.slice(0,end).replace(/^\\n+/,'');buffer=buffer.slice(end+1);
              const [head,...rest]=f.split('\\n\\n');const lines=head.split('\\n');const command=lines[0];
              if(command==='CONNECTED'){document.getElementById('status').textContent='subscribed to '+topic.value;
                socket.send(frame('SUBSCRIBE',{id:'demo',destination:'/topic/'+topic.value,ack:'auto'}));}
              else if(command==='MESSAGE'){const dest=lines.find(l=>l.startsWith('destination:'))||'';log(new Date().toLocaleTimeString()+' '+dest.slice(12)+'  '+rest.join('\\n\\n'));}
              else if(command==='ERROR'){log('ERROR '+f);}}};
          socket.onclose=()=>{document.getElementById('status').textContent='disconnected';};
        };
        // A link such as /demo?topic=sensors.# fills the topic and subscribes at once.
        const linked=new URLSearchParams(location.search).get('topic');
        if(linked){topic.value=linked;document.getElementById('connect').onclick();}
        document.getElementById('send').onclick=async()=>{
          if(!user.value){log('publish failed: enter a user and password');return;}
          const r=await fetch('/api/v1/exchanges/%2F/amq.topic/messages?routing_key='+encodeURIComponent(key.value),
            {method:'POST',body:text.value,headers:{'Content-Type':'text/plain',Authorization:'Basic '+btoa(user.value+':'+password.value)}});
          if(!r.ok)log('publish failed: '+r.status+' '+await r.text());
        };
        </script></body></html>
        """
}
