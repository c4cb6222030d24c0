/** Census file text: UTF-8 with and without a BOM, GBK detected, an encoding named explicitly. */
import { expect } from 'chai';
import iconv from 'iconv-lite';
import { decodeText, detectEncoding, parseEncoding } from '../../server/files/text.js';

const CSV = 'GLBJBSM,GLBJMC,GLBJZT\n32050801001000001,供水井盖,完好\n';

describe('census file text encodings', () => {
  it('UTF-8 with and without a BOM', () => {
    const plain = Buffer.from(CSV, 'utf8');
    expect(decodeText(plain)).to.deep.equal({ text: CSV, encoding: 'utf8' });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain]);
    expect(decodeText(bom)).to.deep.equal({ text: CSV, encoding: 'utf8' });
  });

  it('GBK bytes are detected (they are not valid UTF-8) and decoded', () => {
    const gbk = iconv.encode(CSV, 'gbk');
    expect(gbk.equals(Buffer.from(CSV, 'utf8'))).to.equal(false);
    expect(decodeText(gbk)).to.deep.equal({ text: CSV, encoding: 'gb18030' });
  });

  it('a named encoding wins over detection', () => {
    const gbk = iconv.encode('井盖', 'gbk');
    expect(decodeText(gbk, 'gbk').text).to.equal('井盖');
    // The same bytes read as UTF-8 on request give replacement characters, not the text.
    expect(decodeText(gbk, 'utf8').text).to.not.equal('井盖');
    expect(['utf8', 'UTF-8', 'gbk', 'GB18030', 'latin1'].map(parseEncoding)).to.deep.equal([
      'utf8',
      'utf8',
      'gbk',
      'gb18030',
      undefined,
    ]);
  });

  it('a window cut inside a UTF-8 sequence is still UTF-8 when it is only the start of the text', () => {
    const cut = Buffer.from('ObjName\n供水井盖', 'utf8').subarray(0, 10); // 供 is cut after two of its three bytes
    expect(detectEncoding(cut, true)).to.equal('utf8');
    expect(detectEncoding(cut)).to.equal('gb18030');
    expect(detectEncoding(iconv.encode('供水井盖', 'gbk'), true)).to.equal('gb18030');
  });
});
